import AsyncKit
import FluentKit
import Vapor

/// Renders every error as the contract's JSON error body and keeps internals out of 5xx answers.
///
/// Replaces Vapor's `ErrorMiddleware`, which answers `{"error": true, "reason": ...}`.
/// A plain (future-based) middleware: an `AsyncMiddleware` would start a task of its own for
/// every request.
struct ErrorResponseMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in
            let apiError = Self.apiError(for: error)
            if apiError.status.code >= 500 {
                request.logger.report(error: error)
            }
            return Self.response(for: apiError)
        }
    }

    static func response(for error: APIError) -> Response {
        var headers = error.extraHeaders
        headers.contentType = .json
        let body = ErrorBody(detail: error.detail, code: error.code, errors: error.fieldErrors)
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"detail":"Erreur interne.","code":"internal_error"}"#.utf8)
        return Response(status: error.status, headers: headers, body: .init(data: data))
    }

    /// Maps anything thrown below us to the error a client should see.
    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case is DecodingError:
            return APIError.invalid(fieldErrors(from: error as! DecodingError))
        case is ConnectionPoolTimeoutError:
            return .databaseBusy
        case let error as any DatabaseError where error.isConnectionClosed:
            return .databaseBusy
        case let error as any AbortError:
            return fromAbort(error)
        default:
            return APIError(status: .internalServerError, code: "internal_error", detail: "Erreur interne du serveur.")
        }
    }

    /// Vapor's own errors (no route, body too large, ...) get a stable code too.
    private static func fromAbort(_ error: any AbortError) -> APIError {
        let status = error.status
        let code: String
        let detail: String
        switch status {
        case .notFound: (code, detail) = ("not_found", "Ressource introuvable.")
        case .methodNotAllowed: (code, detail) = ("method_not_allowed", "Méthode non autorisée.")
        case .payloadTooLarge: (code, detail) = ("body_too_large", "Le corps de la requête est trop volumineux.")
        case .unsupportedMediaType: return .unsupportedMediaType
        case .unauthorized: (code, detail) = ("not_authenticated", "Authentification requise.")
        case .forbidden: (code, detail) = ("forbidden", "Action non autorisée.")
        case .badRequest: (code, detail) = ("bad_request", "Requête invalide.")
        default:
            code = status.code >= 500 ? "internal_error" : "http_\(status.code)"
            detail = status.code >= 500 ? "Erreur interne du serveur." : status.reasonPhrase
        }
        return APIError(status: status, code: code, detail: detail, extraHeaders: status.code >= 500 ? [:] : error.headers)
    }

    private static func fieldErrors(from error: DecodingError) -> [String: [String]] {
        let (path, message): ([any CodingKey], String) = switch error {
        case .typeMismatch(_, let context): (context.codingPath, "Type invalide.")
        case .valueNotFound(_, let context): (context.codingPath, "Ce champ ne peut pas être nul.")
        case .keyNotFound(let key, let context): (context.codingPath + [key], "Ce champ est obligatoire.")
        case .dataCorrupted(let context): (context.codingPath, "Valeur invalide.")
        @unknown default: ([], "Valeur invalide.")
        }
        let field = path.first?.stringValue ?? "non_field_errors"
        return [field: [message]]
    }

    private struct ErrorBody: Encodable {
        let detail: String
        let code: String
        let errors: [String: [String]]?
    }
}
