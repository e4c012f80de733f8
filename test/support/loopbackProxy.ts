// TEST ONLY: the network between the provider as shipped and the loopback
// endpoints. An HTTP CONNECT proxy on 127.0.0.1 that the provider reaches
// through the standard HTTPS_PROXY variable, as it would reach a corporate
// proxy: a host with a route is tunnelled to a loopback port (TLS stays end to
// end, so the client verifies the endpoint's certificate for the vault's own
// name); a host without one is answered as a proxy answers a name it can't
// resolve (502, no Key Vault headers). It dials nothing but 127.0.0.1.
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

export interface LoopbackProxy {
    /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
    url: string;
    /** Every CONNECT target asked for (`host:port`), in order. */
    connects: string[];
    /** Sends `host` (any port) to a loopback port from now on. */
    route(host: string, port: number): void;
    /** Sends every host matching `pattern` to a loopback port, unless a host route says otherwise. */
    routePattern(pattern: RegExp, port: number): void;
    /** Answers `host` as a proxy answers a name that does not resolve. */
    unresolvable(host: string): void;
    close(): Promise<void>;
}

export async function startLoopbackProxy(): Promise<LoopbackProxy> {
    const hosts = new Map<string, number | "unresolvable">();
    const patterns: [RegExp, number][] = [];
    const connects: string[] = [];
    const sockets = new Set<net.Socket>();

    function targetOf(host: string): number | undefined {
        const direct = hosts.get(host.toLowerCase());
        if (direct !== undefined) return direct === "unresolvable" ? undefined : direct;
        return patterns.find(([pattern]) => pattern.test(host))?.[1];
    }

    function refuse(client: net.Socket, status: string, text: string): void {
        client.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    }

    const server = http.createServer((_req, res) => {
        // Only tunnels: the SDK sends https through CONNECT, never plain requests.
        res.writeHead(405, { "Content-Type": "text/plain" }).end("loopback proxy: CONNECT only");
    });
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
        const target = req.url ?? "";
        connects.push(target);
        const host = target.replace(/:\d+$/, "");
        const port = targetOf(host);
        if (port === undefined) {
            refuse(client, "502 Bad Gateway", `Unable to resolve host name ${host}\n`);
            return;
        }
        const upstream = net.connect(port, "127.0.0.1");
        sockets.add(upstream);
        upstream.on("close", () => sockets.delete(upstream));
        upstream.once("connect", () => {
            client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            if (head.length > 0) upstream.write(head);
            upstream.pipe(client);
            client.pipe(upstream);
        });
        upstream.once("error", (err: NodeJS.ErrnoException) => {
            if (client.writable && !upstream.readable) refuse(client, "502 Bad Gateway", `Connection to ${target} failed: ${err.code ?? err.message}\n`);
            else client.destroy();
        });
        client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        connects,
        route: (host, target) => void hosts.set(host.toLowerCase(), target),
        routePattern: (pattern, target) => void patterns.push([pattern, target]),
        unresolvable: (host) => void hosts.set(host.toLowerCase(), "unresolvable"),
        close: () => new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        }),
    };
}
