/**
 * Browser test infrastructure (DESIGN §7, the browser backend): compiles the browser build
 * (src/web, `tsconfig.web.json`) with tsc into a temporary directory, serves it with a page on
 * http://localhost:<port> (a secure context, as WebTransport requires) from a tiny node:http
 * server, and drives Debian's headless Chromium (`/usr/bin/chromium`, or $CHROMIUM) with
 * playwright-core (a devDependency). No bundler: tsc keeps the `.js` import paths, so the dist tree
 * is served as-is.
 *
 * Page modules are TypeScript files in spec-tests/browser/pages/, type-checked with the rest of
 * the tests and transpiled on request; they import the build by its source path
 * (`../../../src/web/index.js`), which the server maps onto the compiled tree.
 *
 * Chromium comes from `bash scripts/setup-browser.sh` (run by `npm test`'s pretest and by
 * `npm run test:browser`); without it, `launchBrowserPage` throws an error saying so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import ts from 'typescript';

/** The repository root. */
export const REPO = resolve(import.meta.dirname, '../..');
/** The Chromium binary the tests use. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The flags the peer scripts use for headless Chromium (root, no GPU, quiet). */
export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-quic'];

/** Throws a clear error when Chromium is not installed. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need it. Run \`bash scripts/setup-browser.sh\` (installs Debian's chromium with apt-get), or set CHROMIUM=/path/to/chromium.`);
  }
}

/** Compiles src/web (and what it imports) into `outDir` with tsconfig.web.json. */
export function buildWeb(outDir: string): void {
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.web.json'), '--outDir', outDir, '--declaration', 'false', '--declarationMap', 'false'], { cwd: REPO, stdio: 'pipe' });
}

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>quic-multistream browser test</title>
<script type="module">
const name = new URLSearchParams(location.search).get('page');
import('/spec-tests/browser/pages/' + name + '.js').then((m) => { window.__page = m; window.__ready = 'ok'; }, (e) => { window.__ready = 'error: ' + e; });
</script>`;

/** Serves the page, page modules and the compiled build. */
function serve(buildDir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    try {
      if (path === '/') return send(200, 'text/html', PAGE_HTML);
      if (path.startsWith('/src/')) {
        const file = normalize(join(buildDir, path.slice('/src/'.length)));
        if (!file.startsWith(buildDir) || !existsSync(file)) return send(404, 'text/plain', 'not found');
        return send(200, extname(file) === '.js' ? 'text/javascript' : 'application/json', readFileSync(file));
      }
      const m = /^\/spec-tests\/browser\/pages\/([a-z0-9-]+(?:\.page)?)\.js$/.exec(path);
      if (m !== null) {
        const source = readFileSync(join(REPO, 'spec-tests/browser/pages', `${m[1]}.ts`), 'utf8');
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
        return send(200, 'text/javascript', js);
      }
      send(404, 'text/plain', 'not found');
    } catch (e) {
      send(500, 'text/plain', String(e));
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** A bare headless Chromium (no page server): see `launchChromium`. */
export interface ChromiumInstance {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Browser console lines and page errors, for failure messages. */
  readonly log: string[];
  /** Closes the browser and removes its temporary profile. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with `CHROMIUM_ARGS` plus `extraArgs` (e.g.
 * `--origin-to-force-quic-on=127.0.0.1:PORT`) on a temporary profile, with one blank page.
 * @throws Error when Chromium is missing (run scripts/setup-browser.sh) or does not start.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<ChromiumInstance> {
  assertChromium();
  const work = mkdtempSync(join(tmpdir(), 'qm-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: CHROMIUM, headless: true, timeout: 30_000, args: [...CHROMIUM_ARGS, ...extraArgs] });
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  const log: string[] = [];
  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    return { page, context, log, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A headless Chromium page with the browser build loaded. */
export interface BrowserPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** http://localhost:<port> */
  readonly origin: string;
  /** Browser console lines and page errors, for failure messages. */
  readonly log: string[];
  /** Calls `run(args)` exported by the page module; resolves with its (JSON) result. */
  run<T>(args: unknown): Promise<T>;
  close(): Promise<void>;
}

/**
 * Builds src/web, serves it with the page module `spec-tests/browser/pages/<pageName>.ts`, and
 * opens it in headless Chromium.
 * @throws Error when Chromium is missing (run scripts/setup-browser.sh), or the page fails to load.
 */
export async function launchBrowserPage(pageName: string): Promise<BrowserPage> {
  assertChromium();
  const work = mkdtempSync(join(tmpdir(), 'qm-browser-'));
  const buildDir = join(work, 'build');
  buildWeb(buildDir);
  const server = await serve(buildDir);
  const port = (server.address() as { port: number }).port;
  const origin = `http://localhost:${port}`;
  const context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: CHROMIUM, headless: true, timeout: 30_000, args: [...CHROMIUM_ARGS] });
  const log: string[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
    await new Promise<void>((ok) => server.close(() => ok()));
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await page.goto(`${origin}/?page=${encodeURIComponent(pageName)}`);
    await page.waitForFunction('window.__ready !== undefined', undefined, { timeout: 15_000 });
    const ready = await page.evaluate('window.__ready');
    if (ready !== 'ok') throw new Error(`page ${pageName} failed to load: ${String(ready)}\n${log.join('\n')}`);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    page,
    context,
    origin,
    log,
    run: <T>(args: unknown) => page.evaluate(`window.__page.run(${JSON.stringify(args)})`) as Promise<T>,
    close,
  };
}
