/** The notes service: an example resource server that accepts Boarding Pass access tokens. */
export { startNotesService, type NotesService, type NotesServiceOptions } from './server.js'
export { createNotesRouter, type NotesRouter, type NotesRouterOptions } from './router.js'
export { NoteBook, type Note } from './notes.js'
