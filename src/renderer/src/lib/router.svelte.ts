import type { AppState } from './app-state.svelte';

/**
 * Each view's address, kept in the page's hash so that a reload shows the same view and the
 * browser's back and forward buttons move between views:
 *
 *   #/                      start
 *   #/running               an audit running (a reload cannot rejoin it: back to start)
 *   #/audit/<id>            a saved audit (its history id); #/audit for one the history did not take
 *   #/audit/<id>/finetune   the fine-tune view of a saved audit (settings or training)
 *   #/finetune/<id>         a saved fine-tune's comparison (its history id)
 *   #/history               the saved audits
 *   #/compare/<a>/<b>       two saved audits side by side
 *   #/trend/<model>         a model's audits over time (its fingerprint)
 *   #/report/<id>           the printable report the host registered (also the older #report=<id>)
 */
export type Route =
  | { view: 'start' }
  | { view: 'running' }
  | { view: 'audit'; id: number | null }
  | { view: 'audit-finetune'; id: number }
  | { view: 'finetune'; id: number | null }
  | { view: 'history' }
  | { view: 'compare'; a: number; b: number }
  | { view: 'trend'; model: string }
  | { view: 'report'; id: string };

const ID = '([0-9]{1,15})';

/** The route a hash names; an unknown hash is the start view. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const legacyReport = /^report=([^&]+)/.exec(raw);
  if (legacyReport) return { view: 'report', id: decodeURIComponent(legacyReport[1]) };
  const path = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  let m: RegExpMatchArray | null;
  if (path === 'running') return { view: 'running' };
  if (path === 'history') return { view: 'history' };
  if (path === 'audit') return { view: 'audit', id: null };
  if (path === 'finetune') return { view: 'finetune', id: null };
  if ((m = path.match(new RegExp(`^audit/${ID}$`)))) return { view: 'audit', id: Number(m[1]) };
  if ((m = path.match(new RegExp(`^audit/${ID}/finetune$`))))
    return { view: 'audit-finetune', id: Number(m[1]) };
  if ((m = path.match(new RegExp(`^finetune/${ID}$`))))
    return { view: 'finetune', id: Number(m[1]) };
  if ((m = path.match(new RegExp(`^compare/${ID}/${ID}$`))))
    return { view: 'compare', a: Number(m[1]), b: Number(m[2]) };
  if ((m = path.match(/^trend\/([A-Za-z0-9:_-]{1,200})$/))) return { view: 'trend', model: m[1] };
  if ((m = path.match(/^report\/([A-Za-z0-9_-]{1,100})$/))) return { view: 'report', id: m[1] };
  return { view: 'start' };
}

/** The hash of a route (`#/…`). */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'start':
      return '#/';
    case 'running':
    case 'history':
      return `#/${route.view}`;
    case 'audit':
    case 'finetune':
      return route.id === null ? `#/${route.view}` : `#/${route.view}/${route.id}`;
    case 'audit-finetune':
      return `#/audit/${route.id}/finetune`;
    case 'compare':
      return `#/compare/${route.a}/${route.b}`;
    case 'trend':
      return `#/trend/${route.model}`;
    case 'report':
      return `#/report/${route.id}`;
  }
}

/** The history id of the shown audit, when the history keeps it. */
function savedAuditId(app: AppState): number | null {
  const saved = app.audit?.history;
  return saved?.saved ? saved.historyId : null;
}

/** The route of what the app shows now. */
export function routeOf(app: AppState): Route {
  switch (app.view) {
    case 'running':
      return { view: 'running' };
    case 'audit':
      return { view: 'audit', id: savedAuditId(app) };
    case 'finetune': {
      const shown = app.finetune.saved;
      if (app.finetune.pane === 'comparison' && shown?.saved)
        return { view: 'finetune', id: shown.historyId };
      const audit = savedAuditId(app);
      return audit === null
        ? { view: 'finetune', id: null }
        : { view: 'audit-finetune', id: audit };
    }
    case 'history': {
      const history = app.history;
      if (history.pane === 'compare' && history.comparison)
        return { view: 'compare', a: history.comparison.a.id, b: history.comparison.b.id };
      if (history.pane === 'trend' && history.trend)
        return { view: 'trend', model: history.trend.modelFingerprint };
      return { view: 'history' };
    }
    default:
      return { view: 'start' };
  }
}

/**
 * Keeps the hash and the app in step: the app's changes become history entries (leaving the
 * running view replaces its entry, so "back" from a finished audit leads to the start view), and a
 * hash the user changes (back, forward, a typed address, a reload) is opened.
 */
export class Router {
  /** Opening a route from the address (a reload of a saved audit, say) is under way. */
  opening = $state(false);
  /** Why the address could not be opened (an audit that was never saved, say); cleared on the next. */
  notice = $state<string | null>(null);

  readonly #app: AppState;
  #applying = 0;
  /** The hash being opened (popstate and hashchange both announce one step back). */
  #pending: string | null = null;

  constructor(app: AppState) {
    this.#app = app;
  }

  /** The address changed outside the app (back/forward, typed, reload): show what it names. */
  async open(hash: string): Promise<void> {
    const route = parseRoute(hash);
    if (formatRoute(route) === formatRoute(routeOf(this.#app))) return;
    if (this.#pending === formatRoute(route)) return;
    this.#pending = formatRoute(route);
    this.#applying++;
    this.opening = true;
    this.notice = null;
    try {
      await this.#apply(route);
    } finally {
      this.#applying--;
      this.#pending = null;
      this.opening = this.#applying > 0;
    }
    // What was shown in the end (a saved audit that was deleted shows the history, say).
    this.sync(true);
  }

  /** The app's state changed: write its route into the address. */
  sync(replace = false): void {
    if (this.#applying > 0) return;
    const hash = formatRoute(routeOf(this.#app));
    if (location.hash === hash || (hash === '#/' && location.hash === '')) return;
    const fromRunning = parseRoute(location.hash).view === 'running';
    if (replace || fromRunning) history.replaceState(history.state, '', hash);
    else history.pushState(history.state, '', hash);
  }

  async #apply(route: Route): Promise<void> {
    const app = this.#app;
    if (app.view === 'running' || app.finetune.busy) return;
    switch (route.view) {
      case 'start':
        app.newAudit();
        return;
      case 'running':
        this.notice =
          'A reload cannot rejoin a running audit; it goes on in the host and is saved to the history when it finishes.';
        app.newAudit();
        return;
      case 'audit':
      case 'audit-finetune': {
        if (route.id === null) {
          this.notice =
            'That audit was not kept in the history, so it cannot be shown again: run it again.';
          app.newAudit();
          return;
        }
        if (savedAuditId(app) !== route.id || app.view === 'start') {
          await app.openSavedAudit(route.id);
        } else if (app.view !== 'audit') {
          if (app.view === 'finetune') app.closeFinetune();
          else app.view = 'audit';
        }
        if (route.view === 'audit-finetune' && app.view === 'audit') {
          app.openFinetune();
          if (app.finetune.document && app.finetune.pane === 'comparison')
            app.finetune.editSettings();
        }
        return;
      }
      case 'finetune':
        if (route.id === null) {
          this.notice =
            'That fine-tune was not kept in the history, so it cannot be shown again: run it again.';
          app.newAudit();
          return;
        }
        await app.openFinetuneById(route.id);
        return;
      case 'history':
        app.openHistory();
        return;
      case 'compare':
        app.openHistory();
        await app.history.refresh();
        app.history.selected = [route.a, route.b];
        await app.history.compare();
        return;
      case 'trend': {
        app.openHistory();
        await app.history.refresh();
        const audit = app.history.audits.find((a) => a.modelFingerprint === route.model);
        if (audit) await app.history.showTrend(audit);
        else app.history.error = 'The history holds no audit of that model any more.';
        return;
      }
      case 'report':
        return;
    }
  }
}
