// web-ping: sends an HTTPS request to one host at a fixed interval and logs each answer.
// Settings come from environment variables:
//   TARGET    host name to ping, e.g. blog.sixeyed.com
//   METHOD    HTTP method to use, e.g. HEAD
//   INTERVAL  milliseconds between requests, e.g. 3000
'use strict';

const https = require('https');

const target = process.env.TARGET || 'blog.sixeyed.com';
const method = process.env.METHOD || 'HEAD';
const interval = process.env.INTERVAL || '3000';

console.log(`** web-ping ** Pinging: ${target}; method: ${method}; ${interval}ms intervals`);

let count = 0;

function ping() {
  count += 1;
  const number = count;
  const started = Date.now();
  console.log(`Making request number: ${number}; at ${started}`);

  const request = https.request({ hostname: target, method: method }, (response) => {
    const now = Date.now();
    console.log(`Got response status: ${response.statusCode} at ${now}; duration: ${now - started}ms`);
    response.resume(); // we only want the status, so throw the body away
  });
  request.on('error', (err) => {
    console.error(`Request number ${number} failed: ${err.message}`);
  });
  request.end();
}

setInterval(ping, Number(interval) || 3000);

// In a container this app is PID 1, which gets no default signal handling:
// without these handlers Ctrl-C and `docker container stop` would not stop it.
['SIGINT', 'SIGTERM'].forEach((signal) => {
  process.on(signal, () => process.exit(0));
});
