/** Response bodies in tests: JSON read as a loose tree, so assertions can walk it (they fail if the shape is off). */
export interface JsonTree {
  [key: string]: JsonTree;
}

export const readJson = async (res: Response): Promise<JsonTree> => (await res.json()) as JsonTree;
