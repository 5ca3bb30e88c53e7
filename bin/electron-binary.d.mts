/** The Electron binary's path for the project at `root`, or null if none can be had. */
export function electronBinary(root: string): string | null;
