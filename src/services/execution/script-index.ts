/** Steps of one task's script snapshot by step id. */
export type StepIndex = Map<number, { parent: number | null; order: number; type: string; snap: Record<string, unknown> }>;

/** Every step of a script snapshot (a ScriptStep tree) by id, with its parent IF and its fields. */
export function indexScript(script: unknown): StepIndex {
  const index: StepIndex = new Map();
  const walk = (steps: unknown, parent: number | null) => {
    if (!Array.isArray(steps)) return;
    for (const s of steps as Record<string, unknown>[]) {
      if (!s || typeof s !== 'object' || typeof s.id !== 'number') continue;
      // Branch steps have results of their own; conditions stay in their IF (their results are its messages).
      const { true: yes, false: no, ...snap } = s;
      index.set(s.id, { parent, order: typeof s.order === 'number' ? s.order : 0, type: String(s.type), snap });
      walk(yes, s.id);
      walk(no, s.id);
    }
  };
  walk(script, null);
  return index;
}
