import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root, where `deploy/`, `Dockerfile` and `docker-compose.yml` live. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The shipped files the nginx test runs and the compose file uses: one copy each. */
export const DEPLOY_FILES = {
  nginxConf: join(REPO_ROOT, 'deploy/nginx.conf'),
  instanceEnv: join(REPO_ROOT, 'deploy/boarding-pass.env'),
  compose: join(REPO_ROOT, 'docker-compose.yml'),
  dockerfile: join(REPO_ROOT, 'Dockerfile'),
}

/** The shipped config's names for the instances (compose service names) and their port. */
export const SHIPPED_UPSTREAMS = ['bp1:3000', 'bp2:3000']
/** Where the shipped config (and the compose file) expects the certificate and its key. */
export const SHIPPED_CERT_DIR = '/etc/nginx/certs/'

/** `KEY=value` lines of an env file (comments and blank lines skipped), as docker compose reads them. */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const trimmed = line.trim()
    if (!trimmed || trimmed.startsWith('#')) continue
    const eq = trimmed.indexOf('=')
    if (eq <= 0) throw new Error(`${path}: not KEY=value: ${line}`)
    env[trimmed.slice(0, eq)] = trimmed.slice(eq + 1)
  }
  return env
}

/**
 * deploy/nginx.conf made runnable here: only the listen addresses, the
 * instances' addresses, the certificate directory and the log and temp paths
 * change; every substitution must match the shipped file exactly once, so the
 * file cannot drift from what this runs.
 */
export function renderNginxConf(
  shipped: string,
  options: { httpPort: number; tlsPort: number; upstreams: string[]; certDir: string; dir: string },
): string {
  let text = shipped
  const replace = (from: string, to: string) => {
    const count = text.split(from).length - 1
    if (count !== 1) throw new Error(`deploy/nginx.conf: expected "${from}" exactly once, found ${count}`)
    text = text.replace(from, to)
  }
  replace('listen 80;', `listen 127.0.0.1:${options.httpPort};`)
  replace('listen 443 ssl http2;', `listen 127.0.0.1:${options.tlsPort} ssl http2;`)
  SHIPPED_UPSTREAMS.forEach((upstream, i) => replace(`server ${upstream} `, `server ${options.upstreams[i]} `))
  text = text.split(SHIPPED_CERT_DIR).join(`${options.certDir}/`)
  replace('access_log /dev/stdout boarding_pass;', `access_log ${options.dir}/access.log boarding_pass;`)
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
  for (const name of temp) mkdirSync(join(options.dir, 'temp', name), { recursive: true })
  replace('http {\n', `http {\n${temp.map((name) => `  ${name}_temp_path ${options.dir}/temp/${name};\n`).join('')}`)
  return text
}

/** A self-signed certificate for `localhost` and 127.0.0.1 (P-256, one day), made with openssl in `dir`. */
export function makeSelfSignedCert(dir: string): { cert: string; key: string; pem: string } {
  mkdirSync(dir, { recursive: true })
  const cert = join(dir, 'tls.crt')
  const key = join(dir, 'tls.key')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { cert, key, pem: readFileSync(cert, 'utf8') }
}

/** Debian's nginx (in /usr/sbin, which a non-root PATH may lack). */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx'

/** Debian's nginx, run in the foreground by this test with its own prefix, pid file and error log. */
export interface NginxProcess {
  errorLog: () => string
  accessLog: () => string
  stop(): Promise<void>
}

/** Checks the config (`nginx -t`), then starts nginx with it; resolves once `ready()` is true (10 s at most). */
export async function startNginx(dir: string, confPath: string, ready: () => Promise<boolean>): Promise<NginxProcess> {
  const errorLog = join(dir, 'error.log')
  const args = ['-p', dir, '-c', confPath, '-e', errorLog, '-g', `pid ${join(dir, 'nginx.pid')}; daemon off;`]
  execFileSync(NGINX, ['-t', ...args], { stdio: 'pipe' })
  const child: ChildProcess = spawn(NGINX, args, { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return ''
    }
  }
  const deadline = Date.now() + 10_000
  while (!(await ready())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`nginx did not come up:\n${read(errorLog)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    errorLog: () => read(errorLog),
    accessLog: () => read(join(dir, 'access.log')),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
