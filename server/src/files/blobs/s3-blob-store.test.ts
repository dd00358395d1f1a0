// S3BlobStore against the S3 stand-in (@20minutes/s3rver, see testing/s3-stand-in.ts): the real SDK
// over HTTP, signed requests, multipart uploads. No S3 server (MinIO, Ceph) installs here.
import { blobStoreContract } from './blob-store-contract.ts'
import { S3BlobStore } from './s3-blob-store.ts'
import { startS3StandIn } from '../../testing/s3-stand-in.ts'

blobStoreContract('S3 stand-in', async () => {
  const s3 = await startS3StandIn()
  const store = new S3BlobStore({ ...s3.options, partSize: 5 * 1024 * 1024 })
  return {
    store,
    async close() {
      await store.close()
      await s3.stop()
    },
  }
})
