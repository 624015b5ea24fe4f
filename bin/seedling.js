#!/usr/bin/env node
// The `seedling` command. Source is TypeScript run through Node's type stripping (Node >= 22.18, or
// the Node 24 that `npm install` brings as a devDependency).
import '../src/cli/main.ts';
