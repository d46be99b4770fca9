// The bench's results as Markdown (printed, and written to bench/results/latest.md).

const int = (value) => (value === undefined ? '–' : Math.round(value).toLocaleString('en'))
const ms = (value) => (value === undefined ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(1))
const times = (value) => (value === undefined ? '–' : `${value.toFixed(2)}×`)
const micros = (value) => (value === undefined ? '–' : value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en'))
const storeName = { memory: 'in-process', redis: 'Redis', cluster: 'Redis Cluster', '-': '-' }

/** A configuration's store, with its workers when there are several (WEB_CONCURRENCY). */
function storeLabel(c) {
  return c.workers > 1 ? `${c.store}, ${c.workers} workers` : c.store
}

/** "median (min–max)" */
function withSpread(s, format) {
  if (!s || s.median === undefined) return '–'
  if (s.n === 1 || s.min === s.max) return format(s.median)
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`
}

function ratio(r) {
  if (!r) return '–'
  return r.min === undefined || r.min === r.max ? times(r.median) : `${times(r.median)} (${times(r.min)}–${times(r.max)})`
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}

function targetValue(t) {
  if (t.measured === undefined) return '–'
  if (t.unit === '×') return times(t.measured)
  if (t.unit === 'ms') return `${ms(t.measured)} ms`
  return `${t.measured.toFixed(1)} ${t.unit}`
}

function targetGoal(t) {
  const op = t.better === 'lower' ? '≤' : '≥'
  if (t.unit === '×') return `${op} ${t.target}×`
  return `${op} ${t.target} ${t.unit}`
}

function targetStatus(t) {
  if (t.margin === undefined) return t.status
  const { measured, target } = t
  const pct = (value) => `${(value * 100).toFixed(0)}%`
  let how
  if (t.better === 'higher')
    how = measured >= target ? `${pct(measured / target - 1)} above the goal` : `at ${pct(measured / target)} of the goal`
  else if (measured <= target) how = `${pct(1 - measured / target)} under the bound`
  else
    how = measured / target >= 2 ? `${(measured / target).toFixed(1)}× the bound` : `${pct(measured / target - 1)} over the bound`
  return `**${t.status}** (${how})`
}

export function renderMarkdown(report) {
  const { machine, settings } = report
  const out = []
  const foreign = report.configs.flatMap((c) => c.rounds.map((r) => r.cpu.foreignCores)).filter(Number.isFinite)
  const foreignMedian = foreign.length ? foreign.sort((a, b) => a - b)[Math.floor(foreign.length / 2)] : undefined
  out.push('# Boarding Pass bench', '')
  out.push(
    `${report.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB · Node ${machine.node} · Redis ${machine.redis} · ${machine.platform}`,
    '',
    `Each figure is the median of ${settings.rounds} round(s) of about ${settings.seconds} s, with the spread (min–max) in brackets; ` +
      `configurations interleaved round by round; load from ${settings.loader} on loopback, connections ${settings.connections.join(' and ')}. ` +
      'auth.complete, auth.refresh and the oidc-provider token requests use a distinct pre-minted code or token for every request.',
    '',
    `Machine load: load average ${machine.loadBefore?.join(' / ') ?? '?'} before, ${machine.loadAfter?.join(' / ') ?? '?'} after` +
      (foreignMedian !== undefined
        ? `; CPU used by other processes during the rounds: median ${foreignMedian.toFixed(2)} cores (of ${machine.cores}).`
        : '.'),
    '',
  )
  for (const note of report.notes) out.push(`> ${note}`, '')

  if (report.targets.length) {
    out.push('## Targets', '')
    out.push(
      table(
        ['target', 'measured', 'goal', 'status'],
        report.targets.map((t) => [t.name, targetValue(t), targetGoal(t), targetStatus(t)]),
      ),
      '',
    )
  }

  if (report.configs.length) {
    out.push('## Throughput and latency', '')
    out.push(
      table(
        ['system', 'operation', 'store', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'all 200?'],
        report.configs.map((c) => [
          c.system,
          c.op,
          storeLabel(c),
          String(c.connections),
          withSpread(c.rate, int),
          withSpread(c.p50, ms),
          withSpread(c.p99, ms),
          withSpread(c.serverUsPerRequest, int) +
            (c.othersUsPerRequest.median !== undefined
              ? ` + redis ${int(c.othersUsPerRequest.median)}${c.store === 'cluster' ? ' (6 nodes)' : ''}`
              : ''),
          c.clean ? `yes (${int(c.requests)})` : `**NO**: ${c.problems[0] ?? 'no rounds'}`,
        ]),
      ),
      '',
      'server CPU µs/req: CPU time of the server process (with its node:cluster workers, if any) and of redis-server ' +
        '(of all six nodes on the Redis Cluster: 3 masters, 3 replicas) over the round, divided by the requests answered. ' +
        '"all 200?": every request answered 200, none failed, and (for spent codes and tokens) the store holds exactly the unused rest of the pool.',
      '',
    )
  }

  if (report.ratios.length) {
    out.push('## Ratios (Boarding Pass ÷ baseline, same connections, same run)', '')
    out.push(
      table(
        ['operation', 'store', 'conns', 'req/s', '÷ oidc-provider', '÷ bare node:http', 'oidc-provider counterpart'],
        report.ratios.map((r) => [
          r.op,
          r.store,
          String(r.connections),
          int(r.rate),
          ratio(r.vsOidc) + (r.vsOidcLighter ? ` (openid-only: ${times(r.vsOidcLighter.median)})` : ''),
          ratio(r.vsBare),
          r.oidcOp,
        ]),
      ),
      '',
      'Spreads of ratios pair round i of one configuration with round i of the other.',
      '',
    )
  }

  if (report.scaling?.length) {
    const n = report.scaling[0].workers
    out.push(`## WEB_CONCURRENCY=${n} against one process (node:cluster workers on one port)`, '')
    out.push(
      table(
        [
          'system',
          'operation',
          'store',
          'conns',
          'req/s, 1 process',
          `req/s, ${n} workers`,
          'scaling factor',
          'CPU µs/req, 1 process',
          `CPU µs/req, ${n} workers`,
          'loader cores',
        ],
        report.scaling.map((r) => [
          r.system,
          r.op,
          r.store,
          String(r.connections),
          int(r.one.rate) + (r.one.clean ? '' : ' **(errors)**'),
          int(r.many.rate) + (r.many.clean ? '' : ' **(errors)**'),
          ratio(r.factor),
          int(r.one.serverUsPerRequest),
          int(r.many.serverUsPerRequest) +
            (r.many.primaryUsPerRequest !== undefined ? ` (primary ${micros(r.many.primaryUsPerRequest)})` : ''),
          r.loaderCores === undefined ? '–' : r.loaderCores.toFixed(2),
        ]),
      ),
      '',
      `Scaling factor: ${n}-worker req/s ÷ 1-process req/s (spread: round i against round i). CPU µs/req with workers is the ` +
        `primary's and every worker's CPU (/proc, the whole process tree) ÷ requests; the primary's own share in brackets. **This machine has ${report.machine.cores} ` +
        'cores and the load generator (autocannon, one process) keeps about one of them busy**, so the workers share what is ' +
        'left with each other and with Redis: a factor near 1 here says the machine is full, not that the workers do not ' +
        'scale. Bare node:http, under the same primary, is the reference for what this machine allows.',
      '',
    )
  }

  if (report.floor?.rows.length) {
    const f = report.floor
    out.push('## Server CPU per operation against its floor (parts measured in this run)', '')
    out.push(
      table(
        ['operation', 'store', 'conns', 'server CPU µs/req', 'node:http', 'sign', 'SHA-256', 'Redis client', 'floor µs', 'ratio'],
        f.rows.map((r) => [
          r.op,
          storeName[r.store] ?? r.store,
          String(r.connections),
          micros(r.serverUs) + (r.clean ? '' : ' **(errors)**'),
          micros(r.parts.http),
          r.parts.sign ? micros(r.parts.sign) : '–',
          r.parts.sha256 ? micros(r.parts.sha256) : '–',
          r.parts.redis ? micros(r.parts.redis) : '–',
          micros(r.floorUs),
          times(r.ratio),
        ]),
      ),
      '',
      'The floor of an operation is the sum of what it cannot do without, each part measured on this machine in this run ' +
        `(medians of ${f.rounds.length} measurement(s), one per round, between the loads): ` +
        '**node:http**: bare node:http server CPU µs/req at the same connections (POST with JSON.parse for auth.complete ' +
        'and auth.refresh, GET for auth.me); ' +
        `**sign**: one ${f.signingAlg === 'ES256' ? 'ES256' : 'Ed25519'} signature (node:crypto \`sign\`) over the signing input of ` +
        'an access token this server issued; **SHA-256**: of a 43-character Client Code; **Redis client**: node-redis CPU ' +
        'in a separate process at the same concurrency, for a GETDEL then a SET … PX (auth.complete; auth.refresh: one ' +
        'atomic swap and one write alike) or one GET (auth.me), of records the server wrote, at their size; on the Redis ' +
        "Cluster through node-redis's cluster client (without the WAIT 1 the server's claims add). The in-process store " +
        'has no Redis part. Ratio: server CPU ÷ floor.',
      '',
    )
    const p = f.parts
    const redisParts = Object.entries(p.redis)
      .flatMap(([store, byConns]) =>
        Object.entries(byConns).map(
          ([c, r]) =>
            `${storeName[store] ?? store} c${c}: GETDEL + SET ${withSpread(r.completeUs, micros)} µs, GET ${withSpread(r.meUs, micros)} µs`,
        ),
      )
      .join('; ')
    out.push(
      `Parts: sign ${withSpread(p.signUs, micros)} µs, SHA-256 ${withSpread(p.sha256Us, (v) => v.toFixed(2))} µs` +
        (redisParts ? `; Redis client ${redisParts}.` : '.'),
      '',
    )
  }

  const rows = []
  if (report.dpop) {
    out.push('## DPoP proof check (auth.me, one request at a time)', '')
    out.push(
      table(
        ['store', 'Bearer µs/request', 'DPoP µs/request', 'proof check µs/request'],
        Object.entries(report.dpop).map(([store, d]) => [
          store === 'redis' ? 'Redis' : 'in-process',
          d.bearerMicros.toFixed(0),
          d.dpopMicros.toFixed(0),
          d.proofCheckMicros.toFixed(0),
        ]),
      ),
      '',
      `Median of the rounds' mean latency, ${Object.values(report.dpop)[0]?.requests ?? 0} requests each way; proofs signed before each round.`,
      '',
    )
  }
  if (report.coldStart) {
    rows.push([
      'cold start: spawn `node server/dist/main.js` → first /healthz 200',
      `${withSpread(report.coldStart, (v) => `${v.toFixed(0)} ms`)}; RSS then ${withSpread(report.coldStart.rssAtReady, (v) => `${(v / 2 ** 20).toFixed(0)} MB`)}`,
    ])
  }
  for (const f of [report.flood, report.floodDefaultHeap]) {
    if (!f) continue
    const heap = f.oldSpaceMb ? `--max-old-space-size=${f.oldSpaceMb}` : "Node's default heap limits"
    if (f.died) {
      rows.push([
        `RSS, ${f.starts.toLocaleString('en')} abandoned auth.start (in-process store, ${heap})`,
        `**the server died** (${f.died}) after ${f.answered200.toLocaleString('en')} answers`,
      ])
      continue
    }
    rows.push([
      `RSS, ${f.starts.toLocaleString('en')} abandoned auth.start (in-process store, ${heap}, ${int(f.rate)}/s)`,
      `${f.before.rssMB} MB before → **${f.after.rssMB} MB** after (${f.afterGc.rssMB} MB after a full GC); ` +
        `heap ${f.after.heapUsedMB} MB, ${f.afterGc.heapUsedMB} MB live after a full GC` +
        (f.heapBytesPerFlow ? ` (${f.heapBytesPerFlow.toLocaleString('en')} B per held flow)` : '') +
        `; ${f.liveFlows.toLocaleString('en')} of ${f.answered200.toLocaleString('en')} flows held (bound ${f.maxPendingFlows.toLocaleString('en')})` +
        (f.non2xx || f.errors ? `; **${f.non2xx} non-2xx, ${f.errors} errors**` : ''),
    ])
  }
  if (report.bundle) {
    const b = report.bundle
    const own = b.own
      ? `${(b.own.gzipBytes / 1024).toFixed(1)} KB gzip (${(b.own.bytes / 1024).toFixed(1)} KB raw) in ${b.own.files.length} file(s)`
      : ''
    rows.push([
      'sign-in page JavaScript',
      b.gzipBytes === undefined
        ? 'not measured (no web/dist and no scripts/bundle-size.mjs figure)'
        : `${(b.gzipBytes / 1024).toFixed(1)} KB gzip, from ${b.source}${b.script && b.own ? `; web/dist entry + preloads: ${own}` : ''}`,
    ])
  }
  if (rows.length) out.push('## Start-up, memory, sign-in page', '', table(['what', 'figure'], rows), '')

  if (report.profiles?.length) {
    out.push('## CPU profile of auth.complete (c64)', '')
    for (const p of report.profiles) {
      out.push(
        `### ${p.store === 'redis' ? 'Redis' : 'in-process store'}: \`${p.file}\``,
        '',
        `${int(p.requests)} requests at ${int(p.rate)}/s under the profiler (200 µs sampling); ${(p.busyMs / 1000).toFixed(2)} s busy ` +
          `of ${(p.wallMs / 1000).toFixed(2)} s, ${int(p.usPerRequest)} µs of server CPU per request. ` +
          `All frames: \`node bench/top-frames.mjs ${p.file}\`.`,
        '',
        table(
          ['self %', 'self ms', 'total %', 'function', 'where'],
          p.topSelf
            .slice(0, 15)
            .map((f) => [
              f.selfPct.toFixed(1),
              f.selfMs.toFixed(0),
              f.totalPct.toFixed(1),
              `\`${f.function}\``,
              f.where || f.area,
            ]),
        ),
        '',
        table(
          ['area (self time)', '%'],
          p.areas.slice(0, 12).map((a) => [a.area, a.selfPct.toFixed(1)]),
        ),
        '',
      )
    }
  }

  if (report.checks.length) {
    out.push('## Checks before the load', '')
    for (const c of report.checks)
      out.push(`- ${c.ok ? '✓' : '✗ **FAILED**'} ${c.name}${!c.ok && c.detail !== undefined ? ` (${c.detail})` : ''}`)
    out.push('')
  }
  out.push(`Run took ${report.seconds} s. Raw rounds: bench/results/*.json.`, '')
  return out.join('\n')
}
