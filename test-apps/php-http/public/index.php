<?php
// Test app for the php runtime image: the version comes from version.txt (one file to change
// for a rollout), /healthz answers 200. The built-in server sends every path without a
// matching file here.
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
header('Content-Type: text/plain; charset=utf-8');

if ($path === '/healthz') {
    echo "ok\n";
    return;
}
if ($path === '/' || $path === '/index.php') {
    $version = trim((string) @file_get_contents(__DIR__ . '/../version.txt'));
    if ($version === '') {
        http_response_code(500);
        echo "version.txt missing or empty\n";
        return;
    }
    echo "php-http " . $version . " pid " . getmypid() . " php " . PHP_VERSION . "\n";
    return;
}
http_response_code(404);
echo "not found\n";
