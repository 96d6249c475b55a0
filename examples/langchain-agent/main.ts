/**
 * `npm run langchain-agent -w examples`: a LangChain v1 support agent, made resilient by one wrap
 * (`resilienceMiddleware`, see app.ts), streams its answers from a local fault-injecting provider (no key needed)
 * while the provider rate-limits, stalls, drops the connection and goes down; it prints what happened.
 */
import { runScenes } from './scenes.js';

await runScenes({ line: text => console.log(text), write: text => process.stdout.write(text) });
