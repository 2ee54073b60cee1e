import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealHTTP

/// One request through the gateway: classify, authenticate, read the body, dispatch, log.
final class APIExchange: HTTPExchange {
    private let gateway: Gateway
    private let head: HTTPRequestHead
    private let requestID: String
    private var route: Route = .s3
    private var wire: AWSProtocol = .restXML
    private var serviceName = "-"
    private var operationName = "-"
    private var status = 0
    private var auth: SigV4Authorization?
    private var credential: ResolvedCredential?
    private var queryService: (any QueryService)?
    private var body: [UInt8] = []
    private var s3: S3Exchange?
    /// The decisions of this request, kept only where the audit log may need them.
    private var note: AuthorizationNote?
    /// CPU time of this thread spent on the request so far (start, every chunk, finish).
    private var cpuNanoseconds: UInt64 = 0

    init(gateway: Gateway, head: HTTPRequestHead) {
        self.gateway = gateway
        self.head = head
        requestID = RequestID.make()
    }

    func start() -> HTTPResponse? {
        let began = threadCPUNanoseconds()
        defer { cpuNanoseconds &+= threadCPUNanoseconds() &- began }
        gateway.metrics.inFlight.add(1, ordering: .relaxed)
        (route, wire) = RequestClassifier.route(head, services: gateway.services)
        switch route {
        case .operations: return operationsEndpoint()
        case .json(let service, let operation): (serviceName, operationName) = (service.name, operation)
        case .unknownTarget(let target): (serviceName, operationName) = ("unknown", target)
        case .query: serviceName = "query"
        case .s3: serviceName = "s3"
        }
        let parsed: SigV4Authorization?
        do { parsed = try SigV4.parse(signable) } catch { return fail(AccessErrors.signature(error, wire: wire)) }
        guard let parsed else { return fail(AccessErrors.missingAuthentication(wire: wire)) }
        auth = parsed
        if case .query = route {
            guard let service = gateway.services.queryService(signingName: parsed.credential.service) else {
                return fail(AWSError("InvalidAction", "No Query service named '\(parsed.credential.service)' is served here "
                    + "(the credential scope names the service): use sts, iam or monitoring"))
            }
            queryService = service
            serviceName = service.name
        }
        switch gateway.credentials.resolve(parsed.credential.accessKeyId, sessionToken: parsed.securityToken, now: gateway.config.clock()) {
        case .found(let resolved):
            credential = resolved
            gateway.credentials.noteUse(resolved, at: gateway.config.clock())
        case .unknown, .inactive: return fail(AccessErrors.unknownKey(wire: wire))
        case .invalidToken: return fail(AccessErrors.invalidToken(wire: wire))
        case .expired: return fail(AccessErrors.expiredToken(wire: wire))
        }
        if case .s3 = route, let credential {
            return startS3(parsed, credential: credential)
        }
        if let length = head.headers["content-length"].flatMap(Int.init) {
            if length > gateway.config.maxRequestBody { return fail(tooLarge()) }
            // The body arrives in pieces: room for all of it at once, not a copy at every doubling
            // (a megabyte of log events was copied some twenty times on its way in).
            body.reserveCapacity(max(0, length))
        }
        return nil
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> HTTPResponse? {
        let began = threadCPUNanoseconds()
        defer { cpuNanoseconds &+= threadCPUNanoseconds() &- began }
        if let s3 {
            do { try s3.receive(chunk) } catch { return fail(error) }
            return nil
        }
        if body.count + chunk.count > gateway.config.maxRequestBody { return fail(tooLarge()) }
        body.append(contentsOf: chunk)
        return nil
    }

    func finish() -> HTTPResponse {
        let began = threadCPUNanoseconds()
        defer { cpuNanoseconds &+= threadCPUNanoseconds() &- began }
        if let s3 {
            do { return respond(try s3.finish()) } catch { return fail(error) }
        }
        guard let auth, let credential else { return fail(.internalFailure("request finished before authentication")) }
        do {
            try SigV4.verify(signable, auth: auth, signingKey: gateway.credentials.signingKey(for: credential, auth.credential),
                             payloadHash: SHA256.hex(body), singleEncodePath: false, now: gateway.config.clock())
        } catch {
            return fail(AccessErrors.signature(error, wire: wire))
        }
        note = auditNote(credential, auditedService: queryService.map { $0.name == "iam" || $0.name == "sts" } ?? false)
        let context = CallContext(requestID: requestID, principal: credential.principal, accessKeyID: credential.accessKeyID,
                                  region: auth.credential.region, remoteAddress: head.remoteAddress, isSecure: head.isSecure,
                                  wire: wire, policy: gateway.policy, note: note)
        do throws(AWSError) {
            // The signature covers the body as sent; the service reads it inflated.
            if GzipBody.isGzip(head.headers["content-encoding"]) {
                body = try GzipBody.inflate(body, limit: gateway.config.maxRequestBody)
            }
            switch route {
            case .json(let service, let operation):
                guard body.isEmpty || body.first(where: { !isJSONSpace($0) }) == UInt8(ascii: "{") else {
                    throw AWSError.serialization("The request body is not a JSON object")
                }
                let reply = try service.handle(operation: operation, body: body.isEmpty ? Array("{}".utf8) : body, context: context)
                return respond(wire.success(reply, requestID: requestID))
            case .unknownTarget(let target):
                // The body is read and checked first, as for a known operation, so a client learns
                // of a malformed body before it learns the operation does not exist.
                guard body.isEmpty || JSONSyntax.isObject(body) else {
                    throw AWSError.serialization("The request body is not a valid JSON object")
                }
                throw AWSError.unknownOperation(target)
            case .query:
                guard let service = queryService else { throw AWSError.internalFailure("no query service") }
                let parameters = QueryForm.dictionary(QueryForm.parse(Array(head.rawQuery.utf8)) + QueryForm.parse(body))
                guard let action = parameters["Action"], !action.isEmpty else {
                    throw AWSError("MissingAction", "The request must contain the parameter Action")
                }
                operationName = action
                let xml = try service.handle(action: action, parameters: parameters, context: context)
                if note != nil { audit(errorCode: nil) }
                return respond(wire.success(Array(xml.utf8), requestID: requestID))
            default:
                throw AWSError.internalFailure("no service for this request")
            }
        } catch {
            return fail(error)
        }
    }

    func end(completed: Bool) {
        s3?.end(completed: completed && status < 300)
        gateway.metrics.inFlight.subtract(1, ordering: .relaxed)
        let seconds = Double(monotonicNanoseconds() &- head.startedAt) / 1e9
        gateway.metrics.record(service: serviceName, operation: operationName, status: status, seconds: seconds,
                               cpuSeconds: Double(cpuNanoseconds) / 1e9)
        guard gateway.logger.isEnabled(.info) else { return }
        var fields: [(String, String)] = [
            ("method", head.method), ("service", serviceName), ("operation", operationName), ("status", String(status)),
            ("duration_ms", String(Double(Int(seconds * 1e6)) / 1000)), ("request_id", requestID),
            ("remote", head.remoteAddress),
        ]
        if let credential { fields.append(("principal", credential.principal.arn)) }
        if !completed { fields.append(("aborted", "true")) }
        gateway.logger.info("request", fields)
    }

    /// S3 is authenticated from the headers alone (the signature covers the declared payload hash),
    /// so the body can stream; `S3Payload` checks the body against that declaration as it arrives.
    private func startS3(_ auth: SigV4Authorization, credential: ResolvedCredential) -> HTTPResponse? {
        guard let service = gateway.services.s3 else { return fail(S3Errors.notImplemented(head.method, head.rawPath)) }
        let signingKey = gateway.credentials.signingKey(for: credential, auth.credential)
        let declared = auth.isPresigned ? "UNSIGNED-PAYLOAD" : (head.headers["x-amz-content-sha256"] ?? "")
        guard !declared.isEmpty else {
            return fail(S3Errors.invalidRequest("Missing required header for this request: x-amz-content-sha256"))
        }
        do {
            try SigV4.verify(signable, auth: auth, signingKey: signingKey, payloadHash: declared, singleEncodePath: true,
                             now: gateway.config.clock())
        } catch {
            return fail(AccessErrors.signature(error, wire: wire))
        }
        note = auditNote(credential, auditedService: false)
        let context = CallContext(requestID: requestID, principal: credential.principal, accessKeyID: credential.accessKeyID,
                                  region: auth.credential.region, remoteAddress: head.remoteAddress, isSecure: head.isSecure,
                                  wire: wire, policy: gateway.policy, note: note)
        do {
            let exchange = try S3Exchange(service: service, head: head, context: context, auth: auth, signingKey: signingKey)
            s3 = exchange
            operationName = exchange.operationName
            try exchange.start()
        } catch {
            return fail(error)
        }
        return nil
    }

    // MARK: - Helpers

    private var signable: SigV4Request {
        SigV4Request(method: head.method, rawPath: head.rawPath, rawQuery: head.rawQuery, headers: head.headers.entries)
    }

    private func respond(_ response: HTTPResponse) -> HTTPResponse {
        status = response.status
        return response
    }

    private func fail(_ error: AWSError) -> HTTPResponse {
        audit(errorCode: error.code)
        return respond(wire.error(error, requestID: requestID, xmlNamespace: queryService?.xmlNamespace,
                           bodiless: head.method == "HEAD"))
    }

    private func tooLarge() -> AWSError {
        AWSError("RequestEntityTooLarge", "The request body is larger than \(gateway.config.maxRequestBody) bytes", status: 413)
    }

    private func operationsEndpoint() -> HTTPResponse {
        serviceName = "operations"
        operationName = head.rawPath
        if head.rawPath == "/healthz" {
            return respond(HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], text: "{\"status\":\"ok\"}\n"))
        }
        guard RequestClassifier.isLoopback(head.remoteAddress) else {
            return respond(HTTPResponse(status: 403, headers: [("Content-Type", "text/plain")],
                                        text: "/metrics is served anonymously to loopback clients only\n"))
        }
        return respond(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                                    text: gateway.metrics.render(gauges: gateway.gauges())))
    }
}

// MARK: - Audit

extension APIExchange {
    /// A note for the audit log where one can be needed: the administrator's requests are never
    /// denied by policy, so theirs is kept only for IAM and STS (changes are audited whoever makes them).
    private func auditNote(_ credential: ResolvedCredential, auditedService: Bool) -> AuthorizationNote? {
        guard gateway.audit != nil, auditedService || !credential.principal.isAdministrator else { return nil }
        return AuthorizationNote()
    }

    /// Records this request in the audit log when `AuditRule` keeps it: committed before the reply goes out.
    private func audit(errorCode: String?) {
        guard let trail = gateway.audit else { return }
        let decided = note?.decided
        let service = serviceName == "query" || serviceName == "unknown" ? (auth?.credential.service ?? serviceName) : serviceName
        let action = decided?.action ?? "\(service):\(operationName == "-" ? "*" : operationName)"
        guard AuditRule.records(action: action, errorCode: errorCode) else { return }
        let outcome: AuditEvent.Outcome = AuditRule.isDenial(errorCode) ? .denied : .allowed
        trail.record(AuditEvent(
            timeMilliseconds: trail.clockMilliseconds(), principal: credential?.principal.arn ?? AuditEvent.anonymous,
            accessKeyID: credential?.accessKeyID ?? auth?.credential.accessKeyId ?? "", action: action,
            resource: decided?.resource ?? "*", outcome: outcome, errorCode: errorCode, sourceIP: head.remoteAddress,
            requestID: requestID))
    }
}

private func isJSONSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
}

/// Request ids shaped like AWS's (a random UUID).
enum RequestID {
    private static let digits = Array("0123456789abcdef".utf8)

    static func make() -> String {
        let bytes = SecureRandom.bytes(16)
        return String(unsafeUninitializedCapacity: 36) { out in
            var index = 0
            for (position, byte) in bytes.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    out[index] = UInt8(ascii: "-")
                    index += 1
                }
                out[index] = digits[Int(byte >> 4)]
                out[index + 1] = digits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }
}
