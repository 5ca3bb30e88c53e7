import type { AppState } from './app-state.svelte';
import { formatRoute, parseRoute, type Route } from './routes';

export { formatRoute, parseRoute, type Route };

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
