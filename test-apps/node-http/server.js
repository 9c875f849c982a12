'use strict';
// Test app for the launcher: a real dependency tree (express and friends) so the artifact has
// thousands of small files, a version read from version.txt so a rollout changes one file,
// and a clean SIGTERM path so the launcher's signal forwarding and exit code can be checked.
const fs = require('fs');
const path = require('path');
const express = require('express');
const morgan = require('morgan');
const { v4: uuidv4 } = require('uuid');

const APP_VERSION = fs.readFileSync(path.join(__dirname, 'version.txt'), 'utf8').trim();
const PORT = parseInt(process.env.PORT || '8080', 10);
const HOST = '0.0.0.0';
const INSTANCE = uuidv4();

const app = express();
app.use(morgan('tiny'));

app.get('/', (req, res) => {
  res.type('text/plain').send(`node-http ${APP_VERSION} instance ${INSTANCE} pid ${process.pid}\n`);
});

app.get('/healthz', (req, res) => {
  res.type('text/plain').send('ok\n');
});

// Holds the response for ?ms= milliseconds (capped), to test that in-flight requests finish on TERM.
app.get('/slow', (req, res) => {
  const ms = Math.min(parseInt(req.query.ms || '1000', 10) || 0, 10000);
  setTimeout(() => res.type('text/plain').send(`slow ${ms}ms done\n`), ms);
});

const server = app.listen(PORT, HOST, () => {
  console.log(`node-http ${APP_VERSION} listening on ${HOST}:${PORT}`);
});
// Idle keep-alive sockets must not hold shutdown open; the launcher expects exit within a second or two.
server.keepAliveTimeout = 1000;

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`stopping (${signal})`);
  // Stop accepting; the callback runs once in-flight requests have finished.
  server.close((err) => {
    if (err) console.error(`close: ${err.message}`);
    console.log('stopped');
    process.exit(0);
  });
  // Idle keep-alive connections would otherwise keep close() waiting.
  if (server.closeIdleConnections) server.closeIdleConnections();
  // Bound the wait: a stuck request must not keep the app past the launcher's grace period.
  setTimeout(() => {
    console.log('stopping: in-flight requests did not finish, exiting anyway');
    if (server.closeAllConnections) server.closeAllConnections();
    process.exit(0);
  }, parseInt(process.env.STOP_TIMEOUT_MS || '1500', 10)).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
