/**
 * Starts federation-peer.ts in a child process (`sink` or `senders`) with this process's local CA,
 * and asks it things over IPC, one answer per question.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { localCa } from '@parley/test/harness/local-ca.ts'

export type Peer = {
  ready: { origin: string; host?: string }
  ask<T>(command: Record<string, unknown>, answer: string): Promise<T>
  stop(): Promise<void>
}

export async function startPeer(mode: 'sink' | 'senders'): Promise<Peer> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./federation-peer.ts', import.meta.url)), [mode], {
    execArgv: ['--disable-warning=ExperimentalWarning'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const onExit = (code: number | null) => {
    throw new Error(`bench peer (${mode}) exited with ${code}`)
  }
  child.once('exit', onExit)
  const ready = await new Promise<Peer['ready']>((resolve) => {
    child.once('message', (m) => resolve(m as Peer['ready']))
    child.send({ type: 'ca', ca: localCa() })
  })
  return {
    ready,
    ask<T>(command: Record<string, unknown>, answer: string) {
      return new Promise<T>((resolve) => {
        const onMessage = (m: { type: string }) => {
          if (m.type !== answer) return
          child.off('message', onMessage)
          resolve(m as T)
        }
        child.on('message', onMessage)
        child.send(command)
      })
    },
    async stop() {
      child.off('exit', onExit)
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ type: 'stop' })
      await exited
    },
  }
}
