// What the simulated containers are: the tutorial's Flask app answers as it
// does on a real cluster; any other image answers with its own name.
import { normalizeImage } from './registry.js';

const TUTORIAL_REPO = 'docker.io/lyzhang1999/hello-world-flask';

function isTutorialApp(image: string): boolean {
  return normalizeImage(image).startsWith(`${TUTORIAL_REPO}:`);
}

/** The body of `GET /` on a container of `image` in Pod `pod` (the app prints its hostname). */
export function greeting(image: string, pod: string): string {
  const full = normalizeImage(image);
  if (full === `${TUTORIAL_REPO}:latest`) return `Hello, my first docker images! ${pod}`;
  if (full === `${TUTORIAL_REPO}:v1`) return `Hello, my v1 version docker images! ${pod}`;
  return `Hello from ${image}! ${pod}`;
}

/** What a container prints when it starts. */
export function startupLines(image: string, podIP: string, port: number): string[] {
  if (isTutorialApp(image)) {
    return [
      ` * Serving Flask app 'app' (${image})`,
      ' * Debug mode: off',
      'WARNING: This is a development server. Do not use it in a production deployment. Use a production WSGI server instead.',
      ' * Running on all addresses (0.0.0.0)',
      ` * Running on http://127.0.0.1:${port}`,
      ` * Running on http://${podIP}:${port}`,
      'Press CTRL+C to quit',
    ];
  }
  return [`${image}: listening on ${podIP}:${port}`];
}

/** An access-log line, in the Werkzeug format the Flask app uses. */
export function accessLine(clientIP: string, method: string, path: string, status: number, at = new Date()): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const stamp = `${p2(at.getUTCDate())}/${months[at.getUTCMonth()]}/${at.getUTCFullYear()} ${p2(at.getUTCHours())}:${p2(at.getUTCMinutes())}:${p2(at.getUTCSeconds())}`;
  return `${clientIP} - - [${stamp}] "${method} ${path} HTTP/1.1" ${status} -`;
}
