"""Squares every number: reads the `numbers` input, writes the `squares` output.

Paths come from the environment Lathe sets (LATHE_INPUT_*, LATHE_OUTPUT_*)."""
import os
from pathlib import Path

source = Path(os.environ["LATHE_INPUT_NUMBERS"]) / "numbers.txt"
target = Path(os.environ["LATHE_OUTPUT_SQUARES"]) / "numbers.txt"
numbers = [int(line) for line in source.read_text().split()]
target.write_text("".join(f"{n * n}\n" for n in numbers))
print(f"squared {len(numbers)} numbers")
