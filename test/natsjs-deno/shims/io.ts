export async function writeAll(w: { write(p: Uint8Array): Promise<number> }, data: Uint8Array): Promise<void> {
  let n = 0;
  while (n < data.byteLength) n += await w.write(data.subarray(n));
}
