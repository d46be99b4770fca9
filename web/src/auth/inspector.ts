import { shallowRef, type ShallowRef } from 'vue'

/**
 * The flow inspector's record: each step of the two-code flow as it happened,
 * what went out and what came back, from @boarding-pass/client's `step` events,
 * which mask every code and token; so it is kept in sessionStorage to survive
 * the trip to the provider.
 */
const KEY = 'boarding-pass:inspector'
const MAX_STEPS = 40

export type StepStatus = 'pending' | 'done' | 'failed'

export interface FlowStep {
  id: number
  /** Epoch ms. */
  at: number
  /** The step's number in the contract (0–4); undefined for session upkeep (refresh, sign-out). */
  stage?: number
  title: string
  /** The call or action, e.g. `auth.start` or `location.assign`. */
  action: string
  sent?: Record<string, string>
  received?: Record<string, string>
  note?: string
  status: StepStatus
}

export type NewStep = Omit<FlowStep, 'id' | 'at' | 'status'> & { status?: StepStatus }

export interface StepLog {
  steps: ShallowRef<readonly FlowStep[]>
  /** Adds a step (pending unless told otherwise) and returns it. */
  record(step: NewStep): FlowStep
  /** Finishes a step: done unless the patch says failed. */
  settle(step: FlowStep | undefined, patch?: Partial<Omit<FlowStep, 'id'>>): void
  /** Finishes every step whose action is `action` and whose status is one of `among` (pending ones by default). */
  settleAll(action: string, patch: Partial<Omit<FlowStep, 'id'>>, among?: StepStatus[]): void
  clear(): void
}

/** The step log of this tab, restored from sessionStorage. */
export function createStepLog(): StepLog {
  const steps = shallowRef<readonly FlowStep[]>(load())
  let nextId = steps.value.reduce((max, step) => Math.max(max, step.id), 0) + 1

  function update(next: readonly FlowStep[]) {
    steps.value = next.slice(-MAX_STEPS)
    try {
      sessionStorage.setItem(KEY, JSON.stringify(steps.value))
    } catch {
      // the inspector is a view; a full storage must not break sign-in
    }
  }

  return {
    steps,
    record(step) {
      const entry: FlowStep = { status: 'pending', ...step, id: nextId++, at: Date.now() }
      update([...steps.value, entry])
      return entry
    },
    settle(step, patch = {}) {
      if (!step) return
      update(steps.value.map((s) => (s.id === step.id ? { ...s, status: 'done', ...patch } : s)))
    },
    settleAll(action, patch, among = ['pending']) {
      update(steps.value.map((s) => (among.includes(s.status) && s.action === action ? { ...s, status: 'done', ...patch } : s)))
    },
    clear() {
      update([])
    },
  }
}

function load(): FlowStep[] {
  try {
    const steps = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as unknown
    return Array.isArray(steps) ? (steps as FlowStep[]).slice(-MAX_STEPS) : []
  } catch {
    return []
  }
}
