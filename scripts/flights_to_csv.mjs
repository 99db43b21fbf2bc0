// Converts the flights Parquet file of the npm package vega-datasets to CSV:
// date (YYYY-MM-DD HH:MM), delay, distance, origin, destination. Reads in slices of rows so that
// memory stays small. Usage: node flights_to_csv.mjs IN.parquet OUT.csv
import fs from 'node:fs'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const [input, output] = process.argv.slice(2)
const file = await asyncBufferFromFile(input)
const rows = Number((await parquetMetadataAsync(file)).num_rows)
const out = fs.createWriteStream(output)
const write = (text) => new Promise((resolve) => (out.write(text) ? resolve() : out.once('drain', resolve)))
const pad = (n) => String(n).padStart(2, '0')
await write('date,delay,distance,origin,destination\n')
const slice = 250000
for (let start = 0; start < rows; start += slice) {
  const part = await parquetReadObjects({ file, compressors, rowStart: start, rowEnd: Math.min(rows, start + slice) })
  let text = ''
  for (const r of part) {
    const d = r.date
    const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
    text += `${date},${r.delay},${r.distance},${r.origin},${r.destination}\n`
  }
  await write(text)
}
await new Promise((resolve) => out.end(resolve))
