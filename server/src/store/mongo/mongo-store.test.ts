import { randomUUID } from 'node:crypto'
import { storeContract, type OpenStore } from '../contract/store-contract.ts'
import { roomsContract } from '../contract/rooms-contract.ts'
import { chatExtrasContract } from '../contract/chat-extras-contract.ts'
import { federationContract } from '../contract/federation-contract.ts'
import { roomFederationContract } from '../contract/room-federation-contract.ts'
import { directContract } from '../contract/direct-contract.ts'
import { remoteRoomsContract } from '../contract/remote-rooms-contract.ts'
import { filesContract } from '../contract/files-contract.ts'
import { meetingsContract } from '../contract/meetings-contract.ts'
import { pushContract } from '../contract/push-contract.ts'
import { MongoStore } from './mongo-store.ts'
import { testEnv } from '../../testing/test-env.ts'

// MongoDB cannot be installed on these machines (Debian has no package and the npm helpers download
// a server at run time), so this suite runs only where MONGODB_URL points at a real server; each
// test uses a throwaway database that it drops afterwards.
const url = testEnv('MONGODB_URL')

const openMongo: OpenStore = async () => {
  const store = new MongoStore(url as string, `parley_test_${randomUUID().replaceAll('-', '')}`)
  await store.migrate()
  const close = store.close.bind(store)
  store.close = async () => {
    await store.dropDatabase()
    await close()
  }
  return store
}
const skip = url ? undefined : 'MONGODB_URL is not set: no MongoDB server can be installed on this machine'
storeContract('mongodb', openMongo, skip)
roomsContract('mongodb', openMongo, skip)
chatExtrasContract('mongodb', openMongo, skip)
federationContract('mongodb', openMongo, skip)
roomFederationContract('mongodb', openMongo, skip)
directContract('mongodb', openMongo, skip)
remoteRoomsContract('mongodb', openMongo, skip)
filesContract('mongodb', openMongo, skip)
meetingsContract('mongodb', openMongo, skip)
pushContract('mongodb', openMongo, skip)
