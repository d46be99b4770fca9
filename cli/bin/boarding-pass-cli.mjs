#!/usr/bin/env node
// The `boarding-pass-cli` command. A committed shim, so that installing the
// workspace links the command before the first build (a bin pointing into dist/
// would not exist yet and warn).
import '../dist/main.js'
