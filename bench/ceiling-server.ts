// The ceiling: a bare node:http server answering every request with the same JSON body (given in
// CEILING_BODY), so a Portico route can be compared with the fastest a Node server can answer it.
import { createServer } from 'node:http'

const body = process.env.CEILING_BODY ?? '{"ok":true}'
const port = Number(process.env.CEILING_PORT ?? 3901)
createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    response.end(body)
  })
}).listen(port, '127.0.0.1', () => console.log(`ceiling listening on ${port}`))
process.on('SIGTERM', () => process.exit(0))
