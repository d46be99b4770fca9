// Makes sure the programs the tests drive are on this machine: redis-server (the
// tests start their own), Debian's Chromium (playwright-core cannot download
// browsers here), PyJWT for /usr/bin/python3 (a Python service verifying tokens),
// and nginx and openssl (the reverse-proxy test). Installs them with apt-get when
// missing and possible.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const needs = [
  { bin: 'redis-server', pkg: 'redis-server', found: () => which('redis-server') },
  { bin: 'chromium', pkg: 'chromium', found: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { bin: 'python3 -c "import jwt"', pkg: 'python3-jwt', found: () => runs('/usr/bin/python3', ['-c', 'import jwt']) },
  // The reverse-proxy test runs deploy/nginx.conf with Debian's nginx and makes its certificate with openssl.
  { bin: 'nginx', pkg: 'nginx', found: () => which('nginx') || existsSync('/usr/sbin/nginx') },
  { bin: 'openssl', pkg: 'openssl', found: () => which('openssl') },
]
const missing = needs.filter((need) => !need.found())
if (missing.length === 0) process.exit(0)

const pkgs = missing.map((need) => need.pkg)
console.error(`Installing ${pkgs.join(', ')} for the tests (apt-get)…`)
const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n']
try {
  run([...asRoot, 'apt-get', 'update', '-qq'])
  run([...asRoot, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs])
} catch {
  console.error(`Could not install ${pkgs.join(', ')}: install them yourself (e.g. apt-get install ${pkgs.join(' ')}).`)
  process.exit(1)
}
const still = missing.filter((need) => !need.found())
if (still.length > 0) {
  console.error(`Still missing: ${still.map((need) => need.bin).join(', ')}`)
  process.exit(1)
}

function which(bin) {
  return runs('which', [bin])
}

function runs(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function run([command, ...args]) {
  execFileSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
}
