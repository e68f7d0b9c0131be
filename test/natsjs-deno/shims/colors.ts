const id = (s: string) => s;
export const blue = id, cyan = id, gray = id, green = id, magenta = id, red = id, white = id, yellow = id;
