import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../..')
const guide = readFileSync(join(root, 'docs/spa.md'), 'utf8')
const example = join(root, 'examples/vue-app')

/** The guide's code blocks that name an example file on their first line (`// examples/vue-app/…` or `<!-- … -->`). */
function snippets(): { file: string; code: string }[] {
  return [...guide.matchAll(/```\w*\n([\s\S]*?)```/g)].flatMap(([, block]) => {
    const [first, ...rest] = block!.split('\n')
    const file = /^(?:\/\/|<!--) (examples\/vue-app\/\S+)/.exec(first!)?.[1]
    return file ? [{ file, code: rest.join('\n').trimEnd() }] : []
  })
}

describe('docs/spa.md and examples/vue-app stay in step', () => {
  it('every snippet the guide attributes to the example is in that file, verbatim', () => {
    const found = snippets()
    expect(found.map(({ file }) => file)).toEqual(
      expect.arrayContaining([
        'examples/vue-app/src/main.ts',
        'examples/vue-app/src/pages/SignIn.vue',
        'examples/vue-app/src/App.vue',
        'examples/vue-app/src/orders.ts',
      ]),
    )
    for (const { file, code } of found) expect(readFileSync(join(root, file), 'utf8'), file).toContain(code)
  })

  it('the example imports only the published entry points (no workspace sources, no @boarding-pass/shared)', () => {
    const allowed = new Set([
      'vue',
      'vue-router',
      '@trpc/client',
      '@boarding-pass/vue',
      '@boarding-pass/client',
      '@boarding-pass/client/trpc',
    ])
    const files = readdirSync(join(example, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|vue)$/.test(f))
    const specifiers = files.flatMap((file) =>
      [...readFileSync(join(example, 'src', file), 'utf8').matchAll(/\bfrom '([^']+)'|import '([^']+)'/g)].map(([, a, b]) => ({
        file,
        specifier: (a ?? b)!,
      })),
    )
    expect(specifiers.some(({ specifier }) => specifier === '@boarding-pass/vue')).toBe(true)
    for (const { file, specifier } of specifiers) {
      if (specifier.startsWith('./') || specifier.startsWith('../')) {
        expect(resolve(example, 'src', file, '..', specifier).startsWith(join(example, 'src')), `${file}: ${specifier}`).toBe(
          true,
        )
      } else {
        expect(allowed.has(specifier), `${file} imports ${specifier}`).toBe(true)
      }
    }
  })
})
