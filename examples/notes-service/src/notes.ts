/** A note, owned by one user. */
export interface Note {
  id: number
  text: string
  createdAt: string
}

/** Notes in memory, keyed by the Boarding Pass user id (`ctx.user.id`, the token's `sub`). */
export class NoteBook {
  private readonly notes = new Map<string, Note[]>()
  private nextId = 1

  /** The notes `userId` wrote, oldest first. */
  of(userId: string): Note[] {
    return [...(this.notes.get(userId) ?? [])]
  }

  add(userId: string, text: string): Note {
    const note = { id: this.nextId++, text, createdAt: new Date().toISOString() }
    this.notes.set(userId, [...(this.notes.get(userId) ?? []), note])
    return note
  }
}
