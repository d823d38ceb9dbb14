/** No session in this tab: how to get one (the page never asks for a key). */
export function SignedOut({ reason }: { reason: string | null }) {
  return (
    <main id="main" class="signed-out">
      <h1>Zeblit</h1>
      {reason && (
        <p class="note" role="alert">
          {reason}
        </p>
      )}
      <p>To sign in, run this on the machine where zeblitd runs, and open the link it gives (it works once, for 5 minutes):</p>
      <pre>
        <code>zeblit web</code>
      </pre>
      <p>
        <code>zeblit web --print</code> prints the link instead of opening a browser.
      </p>
    </main>
  );
}
