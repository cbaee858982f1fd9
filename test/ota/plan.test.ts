import { describe, expect, it } from 'vitest';
import { planModules } from '../../agent/src/run/module-plan.ts';

/** Modules installed over the air that are not built in run whatever the module list says. */
describe('the module plan with modules installed over the air', () => {
  const available = ['syscount', 'runqlat', 'sysenter'];
  const names = (plan: ReturnType<typeof planModules>) => plan.modules.map((m) => m.name);

  it('adds them to --modules and to the config list', () => {
    expect(names(planModules({ config: {}, only: ['syscount'], available, installed: ['sysenter'] }))).toEqual(['syscount', 'sysenter']);
    expect(names(planModules({ config: { modules: { runqlat: {} } }, available, installed: ['sysenter'] }))).toEqual(['runqlat', 'sysenter']);
  });

  it('runs them once when the list names them too, with its settings', () => {
    const plan = planModules({ config: { modules: { sysenter: { intervalMs: 5000 } } }, available, installed: ['sysenter'] });
    expect(plan.modules).toEqual([{ name: 'sysenter', settings: { intervalMs: 5000 } }]);
  });

  it('leaves out those the config disables', () => {
    expect(names(planModules({ config: { modules: { runqlat: {}, sysenter: { enabled: false } } }, available, installed: ['sysenter'] }))).toEqual(['runqlat']);
  });
});
