import Vapor

/// A failure the API reports to its caller, in the contract's error format:
/// `{"detail": "<human sentence>", "code": "<stable_snake_case>", "errors"?: {"field": ["..."]}}`.
///
/// Every error a handler throws on purpose is one of these, so that the `code`
/// a front-end switches on is stable and lives in one place.
struct APIError: AbortError, Sendable {
    let status: HTTPResponseStatus
    let code: String
    let detail: String
    /// Field-level messages for validation failures.
    var fieldErrors: [String: [String]]? = nil
    /// Extra response headers, e.g. `Retry-After` on a 429.
    var extraHeaders: HTTPHeaders = [:]

    var reason: String { detail }
    var headers: HTTPHeaders { extraHeaders }
}

extension APIError {
    // 400
    static func invalid(_ errors: [String: [String]], detail: String = "Données invalides.") -> APIError {
        APIError(status: .badRequest, code: "invalid", detail: detail, fieldErrors: errors)
    }
    static func invalidField(_ field: String, _ message: String) -> APIError {
        invalid([field: [message]])
    }
    static let malformedJSON = APIError(
        status: .badRequest, code: "malformed_json", detail: "Le corps de la requête n'est pas un JSON valide.")
    static let notAnObject = APIError(
        status: .badRequest, code: "not_an_object", detail: "Le corps de la requête doit être un objet JSON.")
    static let cannotWriteToSelf = APIError(
        status: .badRequest, code: "cannot_write_to_self", detail: "Vous ne pouvez pas vous écrire à vous-même.",
        fieldErrors: ["receiver": ["Vous ne pouvez pas vous écrire à vous-même."]])

    // 401
    static let notAuthenticated = APIError(
        status: .unauthorized, code: "not_authenticated", detail: "Authentification requise.")
    static let invalidToken = APIError(
        status: .unauthorized, code: "invalid_token", detail: "Jeton d'authentification invalide ou révoqué.")
    static let invalidCredentials = APIError(
        status: .unauthorized, code: "invalid_credentials", detail: "Identifiants invalides.")
    static let invalidGuestToken = APIError(
        status: .unauthorized, code: "invalid_guest_token", detail: "Session invité absente ou invalide.")

    // 403
    static let blocked = APIError(
        status: .forbidden, code: "blocked", detail: "Ce destinataire ne peut pas recevoir vos messages.")
    static let ownerUnavailable = APIError(
        status: .forbidden, code: "owner_unavailable", detail: "Le propriétaire ne peut pas être joint pour le moment.")
    static let wrongClaimCode = APIError(
        status: .forbidden, code: "wrong_claim_code", detail: "Code d'activation incorrect.")

    // 404
    static let userNotFound = APIError(status: .notFound, code: "user_not_found", detail: "Utilisateur introuvable.")
    static let qrNotFound = APIError(status: .notFound, code: "qr_not_found", detail: "QR code inconnu.")
    static let qrRetired = APIError(status: .notFound, code: "qr_retired", detail: "Ce QR code n'est plus en service.")
    static let guestNotFound = APIError(
        status: .notFound, code: "guest_not_found", detail: "Cet invité ne vous a jamais écrit.")
    static let conversationNotFound = APIError(
        status: .notFound, code: "conversation_not_found", detail: "Aucune conversation avec cette personne.")
    static let invalidTicket = APIError(
        status: .unauthorized, code: "invalid_ticket", detail: "Ticket de connexion invalide, expiré ou déjà utilisé.")
    static let routeNotFound = APIError(status: .notFound, code: "not_found", detail: "Ressource introuvable.")

    // 409
    static let usernameTaken = APIError(
        status: .conflict, code: "username_taken", detail: "Ce nom d'utilisateur est déjà pris.")
    static let pseudoTaken = APIError(
        status: .conflict, code: "pseudo_taken", detail: "Ce pseudo est déjà utilisé auprès de ce destinataire.")

    // 415
    static let unsupportedMediaType = APIError(
        status: .unsupportedMediaType, code: "unsupported_media_type",
        detail: "Le corps de la requête doit être du JSON (Content-Type: application/json).")

    // 503
    static let databaseBusy = APIError(
        status: .serviceUnavailable, code: "service_unavailable",
        detail: "Le service est momentanément surchargé, réessayez dans un instant.",
        extraHeaders: ["Retry-After": "1"])
}
