// Cursor pages (`{items, nextCursor}`) as one async sequence of items.

export interface Page<T> {
  items: T[]
  nextCursor?: string | null
}

/** Every item of every page, asking for the next page only when the previous one is used up. */
export async function* eachItem<T>(
  page: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  let cursor: string | undefined
  do {
    const { items, nextCursor } = await page(cursor)
    yield* items
    cursor = nextCursor ?? undefined
  } while (cursor !== undefined)
}

/** All items of a sequence in an array (for small lists). */
export async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = []
  for await (const item of items) list.push(item)
  return list
}
