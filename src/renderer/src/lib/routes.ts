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
