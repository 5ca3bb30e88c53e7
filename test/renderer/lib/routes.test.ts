import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from '../../../src/renderer/src/lib/routes';

describe('view addresses', () => {
  const routes: [string, Route][] = [
    ['#/', { view: 'start' }],
    ['#/running', { view: 'running' }],
    ['#/audit/12', { view: 'audit', id: 12 }],
    ['#/audit', { view: 'audit', id: null }],
    ['#/audit/12/finetune', { view: 'audit-finetune', id: 12 }],
    ['#/finetune/3', { view: 'finetune', id: 3 }],
    ['#/finetune', { view: 'finetune', id: null }],
    ['#/history', { view: 'history' }],
    ['#/compare/4/9', { view: 'compare', a: 4, b: 9 }],
    ['#/trend/7244839e19075c40', { view: 'trend', model: '7244839e19075c40' }],
    ['#/report/report-1-2', { view: 'report', id: 'report-1-2' }],
  ];

  it('reads every address back as the route it was written from', () => {
    for (const [hash, route] of routes) {
      expect(parseRoute(hash)).toEqual(route);
      expect(formatRoute(route)).toBe(hash);
    }
  });

  it("keeps the printer's #report=<id> and reads unknown or hostile addresses as the start view", () => {
    expect(parseRoute('#report=report-17-3')).toEqual({ view: 'report', id: 'report-17-3' });
    expect(parseRoute('#report=a%20b')).toEqual({ view: 'report', id: 'a b' });
    for (const hash of [
      '',
      '#',
      '#/nowhere',
      '#/audit/x',
      '#/audit/-1',
      '#/compare/1',
      '#/trend/../x',
    ])
      expect(parseRoute(hash)).toEqual({ view: 'start' });
    expect(parseRoute('#audit/5/')).toEqual({ view: 'audit', id: 5 });
  });
});
