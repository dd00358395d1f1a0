/**
 * Turns Janus's raw recordings (.mjr, one per stream) into files people can play, with Debian's
 * `janus-pp-rec` (package janus-tools): VP8 video to .webm, Opus audio to .opus. No ffmpeg here, so
 * audio and video stay two files of one recording.
 */
import { execFile } from 'node:child_process'
import { rm, stat } from 'node:fs/promises'
import type { MediaKind, MediaResult } from '../engine.ts'
import { startAtKeyframe } from './mjr-keyframe.ts'

export type ConvertedRecording = { kind: MediaKind; source: string; output: string; bytes: number }

export type ConvertOptions = { binary?: string; timeoutMs?: number }

export async function convertRecordings(
  files: readonly string[],
  { binary = '/usr/bin/janus-pp-rec', timeoutMs = 120_000 }: ConvertOptions = {},
): Promise<MediaResult<ConvertedRecording[]>> {
  const converted: ConvertedRecording[] = []
  for (const source of files) {
    const match = /-(audio|video)-\d+\.mjr$/.exec(source)
    if (!match) throw new TypeError(`not a Janus stream recording: ${source}`)
    const kind = match[1] as MediaKind
    const output = source.replace(/\.mjr$/, kind === 'video' ? '.webm' : '.opus')
    // A video begins with a keyframe: the pictures before one cannot be decoded (mjr-keyframe.ts).
    const start = kind === 'video' ? await startAtKeyframe(source, `${source}.from-keyframe`) : null
    if (start?.kind === 'no-keyframe')
      return {
        ok: false,
        error: {
          type: 'recording-unavailable',
          message: `no keyframe in ${source}: none of its pictures can be decoded`,
        },
      }
    const input = start?.kind === 'trimmed' ? start.output : source
    const ran = await run(binary, ['--disable-colors', input, output], timeoutMs)
    if (input !== source) await rm(input, { force: true })
    if (!ran.ok)
      return {
        ok: false,
        error: { type: 'recording-unavailable', message: `janus-pp-rec could not convert ${source}: ${ran.message}` },
      }
    const bytes = await stat(output).then(
      (s) => s.size,
      () => 0,
    )
    if (bytes === 0)
      return {
        ok: false,
        error: {
          type: 'recording-unavailable',
          message: `janus-pp-rec wrote nothing for ${source} (no media recorded?)`,
        },
      }
    converted.push({ kind, source, output, bytes })
  }
  return { ok: true, value: converted }
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) resolve({ ok: true })
      else
        resolve({
          ok: false,
          message: `${error.message.split('\n')[0]} ${String(stderr).trim().split('\n').slice(-3).join(' ')}`.trim(),
        })
    })
  })
}
