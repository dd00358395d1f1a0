/**
 * The S3 stand-in of the tests and benchmarks: no S3 server (MinIO, Ceph) can be installed here,
 * so they run against `@20minutes/s3rver`, an S3-protocol server in Node (a maintained fork of
 * s3rver) that keeps objects in a folder. It checks SigV4 signatures and speaks the REST API the
 * SDK uses (PUT, GET with ranges, HEAD, DELETE, multipart uploads), so `S3BlobStore` goes through
 * the real `@aws-sdk/client-s3` over HTTP on 127.0.0.1. It is a stand-in, not S3: consistency,
 * performance and error details of a real deployment are not what it shows.
 */
import { createRequire } from 'node:module'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { S3BlobStoreOptions } from '../files/blobs/s3-blob-store.ts'

type S3rverOptions = {
  address: string
  port: number
  silent: boolean
  directory: string
  configureBuckets: { name: string }[]
}
type S3rverInstance = { run(): Promise<AddressInfo>; close(): Promise<void> }

const require = createRequire(import.meta.url)

export type S3StandIn = {
  /** Options for an `S3BlobStore` on the stand-in's bucket (its fixed test credentials). */
  options: S3BlobStoreOptions
  endpoint: string
  /** The folder s3rver keeps its buckets in (one folder per bucket). */
  directory: string
  stop(): Promise<void>
}

export async function startS3StandIn(bucket = 'parley-test'): Promise<S3StandIn> {
  const S3rver = require('@20minutes/s3rver') as new (options: S3rverOptions) => S3rverInstance
  const directory = await mkdtemp(join(tmpdir(), 'parley-s3-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  })
  const address = await server.run()
  const endpoint = `http://127.0.0.1:${address.port}`
  let stopped = false
  return {
    endpoint,
    directory,
    options: {
      endpoint,
      region: 'us-east-1',
      bucket,
      // s3rver's built-in account: it verifies signatures made with this key pair.
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      prefix: '',
    },
    async stop() {
      if (stopped) return
      stopped = true
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
