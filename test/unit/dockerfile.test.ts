import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One Dockerfile instruction: its keyword (upper case) and its arguments as written. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Splits a Dockerfile into instructions: joins `\` continuations, drops comments and blanks. */
function instructionsOf(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/s.exec(full);
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
  }
  return out;
}

/** Stages, with `${ARG}` in FROM resolved from the global ARG defaults. */
function stagesOf(instructions: Instruction[]): {
  globalArgs: Map<string, string>;
  stages: Stage[];
} {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      const resolved = image.replace(
        /\$\{?(\w+)\}?/g,
        (_all, arg: string) => globalArgs.get(arg) ?? '',
      );
      stages.push({
        image: resolved,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [key = '', value = ''] = instruction.args.split('=', 2);
        globalArgs.set(key, value);
      }
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { stages } = stagesOf(instructionsOf(dockerfile));
const runtime = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  bin: Record<string, string>;
};
const of = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `KEY=value KEY2="a b"` (LABEL, ENV) as a map, quotes removed. */
function pairsOf(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of args) {
    for (const match of arg.matchAll(/([\w.-]+)=("([^"]*)"|\S+)/g)) {
      out.set(match[1]!, match[3] ?? match[2]!);
    }
  }
  return out;
}

describe('Dockerfile', () => {
  it('parses into build, prune and runtime stages, the runtime last', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'prune', 'runtime']);
  });

  it('pins every base image by a tag other than latest (or by digest)', () => {
    for (const stage of stages) {
      expect(stage.image).toMatch(/^[\w./-]+(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/);
      const tag = /^[^@]+:([\w.-]+)/.exec(stage.image)?.[1];
      const digest = stage.image.includes('@sha256:');
      expect(digest || (tag !== undefined && tag !== 'latest')).toBe(true);
    }
    expect(stages[0]!.image).toMatch(/^node:\d+(\.\d+)*-bookworm-slim/);
  });

  it('runs the runtime stage as a numeric non-root user', () => {
    const users = of(runtime, 'USER');
    expect(users).toHaveLength(1);
    const match = /^(\d+)(?::(\d+))?$/.exec(users[0]!);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    expect(Number(match![2] ?? match![1])).toBeGreaterThan(0);
  });

  it("matches the chart's runAsUser", () => {
    const values = parse(
      readFileSync(join(ROOT, 'charts', 'profile-guard', 'values.yaml'), 'utf8'),
    ) as { securityContext: { runAsUser: number; runAsGroup: number } };
    expect(of(runtime, 'USER')).toEqual([
      `${values.securityContext.runAsUser}:${values.securityContext.runAsGroup}`,
    ]);
  });

  it('copies only dist/, schemas/, production node_modules and package.json into the runtime', () => {
    const copies = of(runtime, 'COPY').concat(of(runtime, 'ADD'));
    expect(of(runtime, 'ADD')).toEqual([]);
    const parsed = copies.map((args) => {
      const from = /--from=(\S+)/.exec(args)?.[1];
      const paths = args.split(/\s+/).filter((part) => !part.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1) };
    });
    for (const copy of parsed) {
      for (const source of copy.sources) {
        // Never the whole build context, never a stage's whole /app.
        expect(['.', './', '/', '/app', '/app/', '*']).not.toContain(source);
        if (source.includes('node_modules')) expect(copy.from).toBe('prune');
      }
    }
    expect(parsed.map((c) => `${c.from ?? 'context'}:${c.sources.join(',')}`).sort()).toEqual([
      'build:/app/dist',
      'build:/app/schemas',
      'context:package.json',
      'prune:/app/node_modules',
    ]);
    const prune = stages.find((s) => s.name === 'prune')!;
    expect(of(prune, 'RUN').join(' ')).toMatch(/npm ci --omit=dev --ignore-scripts/);
  });

  it('builds with npm ci and npm run build', () => {
    const build = stages.find((s) => s.name === 'build')!;
    const runs = of(build, 'RUN');
    expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs).toContain('npm run build');
  });

  it('runs `serve` through the package bin, needing no shell', () => {
    expect(of(runtime, 'ENTRYPOINT')).toEqual(['["node", "dist/cli/bin.js"]']);
    expect(of(runtime, 'CMD')).toEqual(['["serve"]']);
    expect(pkg.bin['profile-guard']).toBe('dist/cli/bin.js');
    expect(of(runtime, 'RUN')).toEqual([]);
    expect(of(runtime, 'SHELL')).toEqual([]);
  });

  it('sets NODE_ENV=production and a HOME the non-root user can use', () => {
    const env = pairsOf(of(runtime, 'ENV'));
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('HOME')).toBe('/tmp');
  });

  it('labels the image with the OCI annotations, version and license from package.json', () => {
    const labels = pairsOf(of(runtime, 'LABEL'));
    const args = pairsOf(of(runtime, 'ARG'));
    expect(labels.get('org.opencontainers.image.title')).toBe('profile-guard');
    expect(labels.get('org.opencontainers.image.description')).toBeTruthy();
    expect(labels.get('org.opencontainers.image.source')).toBe('${SOURCE}');
    expect(args.get('SOURCE')).toMatch(/^https:\/\//);
    expect(labels.get('org.opencontainers.image.licenses')).toBe(pkg.license);
    expect(labels.get('org.opencontainers.image.version')).toBe('${VERSION}');
    expect(args.get('VERSION')).toBe(pkg.version);
  });
});

describe('.dockerignore', () => {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('ignores everything but the build inputs', () => {
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
    expect(allowed.sort()).toEqual([
      'package-lock.json',
      'package.json',
      'schemas/',
      'src/',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    expect(lines).toContain('src/**/*.test.ts');
  });
});
