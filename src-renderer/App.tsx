// PLACEHOLDER: the real monitor (swarm view, drift charts) is built in a later issue. This page
// only proves the renderer builds and loads under the strict CSP.
export function App() {
  const version = window.lvs?.version;
  return (
    <main>
      <h1>LVS Node monitor</h1>
      <p>The monitor is not built yet. Use the CLI simulator meanwhile: npx lvs sim --help</p>
      {version ? <p>LVS Node {version}</p> : null}
    </main>
  );
}
