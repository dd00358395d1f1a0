// Types of server-bundle.js (plain JavaScript: parley.js loads it before any TypeScript).
export declare const MANIFEST: string
export declare const MANIFEST_VERSION: number
export declare const REPO: string
export declare function distOf(root: string): string
export declare function fileStamp(path: string): [size: number, mtimeMs: number, ctimeMs: number] | null
export declare function bundleStaleness(root?: string, esbuildVersion?: string): string | null
export declare function freshBundle(root?: string): string | null
