#!/usr/bin/env node
// Prints where a V8 .cpuprofile spent its time: the top self-time frames, and self time
// summed by area (package, Node internals, Boarding Pass files, GC).
//
//   node bench/top-frames.mjs bench/profiles/auth-complete-redis.cpuprofile [--top 25]
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const PSEUDO = new Set(['(garbage collector)', '(idle)', '(program)', '(root)'])

/** Where a frame's code lives, for grouping: a package name, a Node area, a Boarding Pass file, or a V8 pseudo-frame. */
export function areaOf(callFrame) {
  const { url, functionName } = callFrame
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC'
    if (PSEUDO.has(functionName)) return functionName
    return 'native (V8 builtins, C++)'
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url)
  if (pkg) return pkg[1]
  const bp = /\/(server|shared)\/(?:dist|src)\/(.+?)\.[jt]s$/.exec(url)
  if (bp) return `boarding-pass ${bp[1]}/${bp[2]}`
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url)
  if (internal) return `node:${internal[1].replace(/\.js$/, '')}`
  return url.replace(/^file:\/\//, '')
}

/** Shortens a frame's location for printing. */
function where(callFrame) {
  const { url, lineNumber } = callFrame
  if (!url) return ''
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/.*\/(server|shared|bench)\//, '$1/')
  return `${short}:${lineNumber + 1}`
}

/**
 * Self and total time per frame (function + location) and self time per area.
 * Times come from the samples' time deltas, not from hit counts, so they hold for
 * any sampling interval.
 */
export function analyseProfile(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const selfUs = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, delta))
  }

  const frames = new Map()
  const areas = new Map()
  let totalUs = 0
  let idleUs = 0
  const keyOf = (frame) => `${frame.functionName || '(anonymous)'}\u0000${frame.url}\u0000${frame.lineNumber}`
  /** The nearest frame with source above a native one (a crypto job's `run`, a socket's `writev`). */
  const callerOf = (id) => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at).callFrame
      // Past Node's generic job plumbing, to the operation (digest, sign, randomBytes).
      if (frame.url && frame.url !== 'node:internal/crypto/util') return frame
    }
    return undefined
  }
  for (const [id, us] of selfUs) {
    const node = nodes.get(id)
    if (!node) continue
    totalUs += us
    const frame = node.callFrame
    if (frame.functionName === '(idle)') idleUs += us
    // Native frames are told apart, and grouped, by the code that called them.
    const caller = !frame.url && !PSEUDO.has(frame.functionName) ? callerOf(id) : undefined
    const key = caller ? `${keyOf(frame)}\u0000${keyOf(caller)}` : keyOf(frame)
    const entry = frames.get(key) ?? { frame, caller, selfUs: 0, totalUs: 0 }
    entry.selfUs += us
    if (caller) entry.totalUs += us
    frames.set(key, entry)
    const area = caller ? areaOf(caller) : areaOf(frame)
    areas.set(area, (areas.get(area) ?? 0) + us)
    // Total (inclusive) time: every distinct frame on this sample's stack.
    const seen = new Set()
    for (let at = caller ? parent.get(id) : id; at !== undefined; at = parent.get(at)) {
      const up = nodes.get(at).callFrame
      const upKey = keyOf(up)
      if (seen.has(upKey)) continue
      seen.add(upKey)
      const upEntry = frames.get(upKey) ?? { frame: up, selfUs: 0, totalUs: 0 }
      upEntry.totalUs += us
      frames.set(upKey, upEntry)
    }
  }
  const busyUs = totalUs - idleUs
  const pct = (us) => (busyUs > 0 ? (100 * us) / busyUs : 0)
  const list = [...frames.values()]
    .filter((entry) => entry.frame.functionName !== '(idle)' && entry.frame.functionName !== '(root)')
    .map((entry) => ({
      function: entry.frame.functionName || '(anonymous)',
      where: entry.caller
        ? `native, from ${entry.caller.functionName || '(anonymous)'} ${where(entry.caller)}`
        : where(entry.frame),
      area: areaOf(entry.caller ?? entry.frame),
      selfMs: entry.selfUs / 1000,
      selfPct: pct(entry.selfUs),
      totalMs: entry.totalUs / 1000,
      totalPct: pct(entry.totalUs),
    }))
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    topSelf: [...list].sort((a, b) => b.selfMs - a.selfMs),
    topTotal: [...list].sort((a, b) => b.totalMs - a.totalMs),
    areas: [...areas]
      .filter(([area]) => area !== '(idle)')
      .map(([area, us]) => ({ area, selfMs: us / 1000, selfPct: pct(us) }))
      .sort((a, b) => b.selfMs - a.selfMs),
  }
}

/** The analysis as printable text. */
export function formatAnalysis(analysis, { top = 25, areas = 15 } = {}) {
  const lines = []
  const ms = (value) => value.toFixed(1).padStart(8)
  const pc = (value) => `${value.toFixed(1)}%`.padStart(6)
  lines.push(
    `wall ${analysis.wallMs.toFixed(0)} ms, busy ${analysis.busyMs.toFixed(0)} ms, idle ${analysis.idleMs.toFixed(0)} ms (percentages are of busy time)`,
  )
  lines.push('', `top ${top} frames by self time:`, `  ${'self ms'.padStart(8)}  self%  total%  function  (location)`)
  for (const frame of analysis.topSelf.slice(0, top)) {
    lines.push(
      `  ${ms(frame.selfMs)} ${pc(frame.selfPct)} ${pc(frame.totalPct)}  ${frame.function}  ${frame.where ? `(${frame.where})` : ''}`,
    )
  }
  lines.push('', 'self time by area (native frames counted with the code that called them):')
  for (const area of analysis.areas.slice(0, areas)) lines.push(`  ${ms(area.selfMs)} ${pc(area.selfPct)}  ${area.area}`)
  lines.push('', 'Boarding Pass frames by total time (synchronous slices only: time waiting on I/O is not in a profile):')
  for (const frame of analysis.topTotal.filter((f) => f.area.startsWith('boarding-pass')).slice(0, 12)) {
    lines.push(`  ${ms(frame.totalMs)} ${pc(frame.totalPct)}  ${frame.function}  (${frame.where})`)
  }
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const file = args.find((arg) => !arg.startsWith('--') && !/^\d+$/.test(arg))
  const topAt = args.indexOf('--top')
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25
  if (!file) {
    console.error('usage: node bench/top-frames.mjs <file.cpuprofile> [--top 25]')
    process.exit(2)
  }
  console.log(formatAnalysis(analyseProfile(JSON.parse(readFileSync(file, 'utf8'))), { top }))
}
