"""The pandas peer of `lathe stats compute`: the same statistics of a CSV file (counts, missing,
mean, standard deviation, min, max, zeros, quantiles, equal-width histograms; for text columns
distinct counts, top values with counts and string lengths). Run with Debian's /usr/bin/python3."""
import sys

import numpy as np
import pandas as pd

df = pd.read_csv(sys.argv[1])
summary = {}
for name in df.columns:
    col = df[name]
    stats = {"count": int(col.count()), "missing": int(col.isna().sum())}
    if pd.api.types.is_numeric_dtype(col):
        values = col.dropna()
        stats.update(mean=values.mean(), std=values.std(ddof=0), min=values.min(), max=values.max(),
                     zeros=int((values == 0).sum()),
                     quantiles=values.quantile([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]).tolist(),
                     histogram=np.histogram(values, bins=10)[0].tolist())
    else:
        counts = col.value_counts()
        lengths = col.dropna().str.len()
        stats.update(unique=int(counts.size), top=counts.head(10).to_dict(),
                     length=(int(lengths.min()), int(lengths.max()), float(lengths.mean())))
    summary[name] = stats
print(len(df), "rows,", len(summary), "features")
