/**
 * The files part of one instance, from config: the blob store (local disk under the data folder,
 * or the S3 bucket) and the file service. Nothing touches the disk or the bucket until a file is
 * written or read.
 */
import { join, resolve } from 'node:path'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { BlobStore } from './blobs/blob-store.ts'
import { LocalBlobStore } from './blobs/local-blob-store.ts'
import { FileService, type FileLimits, type ForwardedFiles } from './file-service.ts'
import { FileKeeper } from './file-keeper.ts'
import { randomBytes } from 'node:crypto'
import { RemoteFetcher } from '@parley/federation'
import { CapabilitySigner } from './capability.ts'
import { RemoteFiles } from './remote-files.ts'
import { Ingest } from './ingest.ts'
import serverPackage from '../../package.json' with { type: 'json' }

export function filesDir(config: Config): string {
  return resolve(config.filesDir || join(config.dataDir, 'files'))
}

/** The configured blob store; the S3 one and its SDK (~60 modules, 35 MB) are loaded only when configured. */
export async function openBlobStore(config: Config): Promise<BlobStore> {
  if (config.filesStorage === 's3') {
    const { S3BlobStore } = await import('./blobs/s3-blob-store.ts')
    return new S3BlobStore({
      endpoint: config.filesS3Endpoint,
      region: config.filesS3Region,
      bucket: config.filesS3Bucket,
      accessKeyId: config.filesS3AccessKeyId,
      secretAccessKey: config.filesS3SecretAccessKey,
      forcePathStyle: config.filesS3ForcePathStyle,
      prefix: config.filesS3Prefix,
    })
  }
  return new LocalBlobStore(filesDir(config))
}

/**
 * Where images are copied and re-encoded while they are ingested: under the data folder, on disk
 * (the system's temporary folder is often memory). Files there live only while one image is worked on.
 */
export function imageWorkDir(config: Config): string {
  return resolve(join(config.dataDir, 'image-work'))
}

export function fileLimits(config: Config): FileLimits {
  return {
    maxBytes: config.filesMaxBytes,
    quotaBytes: config.filesQuotaBytes === 0 ? null : config.filesQuotaBytes,
    maxImagePixels: config.filesMaxImagePixels,
    linkTtlMs: config.filesLinkTtlHours * 3600_000,
    pendingTtlMs: config.filesUploadExpiryHours * 3600_000,
  }
}

export function createFileKeeper(
  config: Config,
  deps: { store: Store; blobs: BlobStore; logger: Logger; now?: () => number },
): FileKeeper {
  return new FileKeeper({ ...deps, now: deps.now ?? Date.now, pendingTtlMs: fileLimits(config).pendingTtlMs })
}

/**
 * The signer of capability URLs; its secret is made once and kept in the store (every node sharing
 * the store signs alike), read at first use.
 */
export function createFileLinks(config: Config, store: Store, now?: () => number): CapabilitySigner {
  let secret: Promise<string> | null = null
  return new CapabilitySigner({
    origin: config.publicOrigin,
    now: now ?? Date.now,
    secret: () =>
      (secret ??= store.files.capabilitySecret(randomBytes(32).toString('base64url')).catch((error: unknown) => {
        secret = null
        throw error
      })),
  })
}

/**
 * Fetching files of other servers: the federation's guarded fetcher with the files' own limits —
 * `filesRemoteMaxBytes`, and a time limit of six document fetches (at least a minute) for the bytes.
 */
export function createRemoteFiles(
  config: Config,
  deps: { store: Store; blobs: BlobStore; logger: Logger; now?: () => number },
): { remote: RemoteFiles; fetcher: RemoteFetcher } {
  const timeoutMs = Math.max(60_000, config.federationFetchTimeoutSeconds * 6000)
  const fetcher = new RemoteFetcher({
    allowPrivateAddress: config.federationAllowPrivateAddress,
    maxBytes: config.filesRemoteMaxBytes,
    timeoutMs,
    userAgent: `Parley/${serverPackage.version} (+${new URL(config.publicOrigin).origin}/)`,
  })
  const ingest = new Ingest({
    blobs: deps.blobs,
    files: deps.store.files,
    now: deps.now ?? Date.now,
    workDir: imageWorkDir(config),
  })
  const remote = new RemoteFiles({
    fetcher,
    ingest,
    limits: { maxBytes: config.filesRemoteMaxBytes, maxImagePixels: config.filesMaxImagePixels, timeoutMs },
    logger: deps.logger,
  })
  return { remote, fetcher }
}

export function createFileService(
  config: Config,
  deps: {
    store: Store
    chat: ChatStack
    logger: Logger
    blobs: BlobStore
    keeper: FileKeeper
    links: CapabilitySigner
    remote?: RemoteFiles
    forwarded?: ForwardedFiles
    now?: () => number
  },
): FileService {
  return new FileService({
    store: deps.store,
    blobs: deps.blobs,
    keeper: deps.keeper,
    links: deps.links,
    ...(deps.remote ? { remote: deps.remote } : {}),
    ...(deps.forwarded ? { forwarded: deps.forwarded } : {}),
    rooms: deps.chat.rooms,
    chat: deps.chat.chat,
    limits: fileLimits(config),
    workDir: imageWorkDir(config),
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
  })
}
