// The pages' words, in French (the default) and English. The server picks the language from the
// browser's Accept-Language and writes it in <html lang>; this module only reads it, so the page,
// its screen reader and its script always agree.

const strings = {
  fr: {
    "loading": "Chargement…",
    "brand": "QRConnect",
    "skip": "Aller au contenu",
    "failed.title": "Connexion impossible",
    "failed.body": "Le service ne répond pas. Vérifiez votre connexion puis réessayez.",
    "retry": "Réessayer",

    "scan.title": "Tag QRConnect",
    "scan.unknown.title": "QR code inconnu",
    "scan.unknown.body": "Ce QR code n'existe pas chez QRConnect. Vérifiez que le lien est complet.",
    "scan.inactive.title": "Ce tag n'est pas encore activé",
    "scan.inactive.body": "Connectez-vous ou créez un compte pour l'activer\u00a0: il sera à vous, et ceux qui le scannent pourront vous écrire.",
    "scan.signin": "Se connecter",
    "scan.signup": "Créer un compte",
    "scan.activated.title": "Tag activé",
    "scan.activated.body": "Ce tag est maintenant à vous. Quiconque le scanne pourra vous écrire, sans voir votre numéro ni votre adresse.",
    "scan.mine.title": "Ce tag est à vous",
    "scan.mine.body": "Quiconque le scanne peut vous écrire. Les messages arrivent dans votre messagerie.",
    "scan.label": "Donnez-lui un nom (visible par vous seul)",
    "scan.label.hint": "Par exemple «\u00a0Voiture\u00a0» ou «\u00a0Clés\u00a0».",
    "scan.open_app": "Ouvrir ma messagerie",
    "scan.redirecting": "Ouverture de la conversation…",

    "label.save": "Enregistrer",
    "label.saved": "Nom enregistré.",
    "label.invalid": "Le nom doit faire de 1 à 40 caractères.",

    "chat.title": "Écrire à {name}",
    "chat.hint": "Votre message est transmis au propriétaire de ce tag. Vous n'avez pas besoin de compte.",
    "chat.missing.title": "Personne introuvable",
    "chat.missing.body": "Ce lien ne mène à personne. Scannez à nouveau le QR code.",
    "chat.messages": "Conversation",
    "chat.empty": "Aucun message pour l'instant.",
    "chat.pseudo": "Votre pseudo",
    "chat.pseudo.hint": "Le nom sous lequel vous apparaissez. Modifiable jusqu'au premier message.",
    "chat.pseudo.fixed": "Vous écrivez en tant que",
    "chat.pseudo.empty": "Choisissez un pseudo.",
    "chat.pseudo.long": "Le pseudo fait au plus 50 caractères.",
    "chat.content": "Votre message",
    "chat.content.empty": "Écrivez un message.",
    "chat.content.long": "Le message fait au plus 4000 caractères.",
    "chat.send": "Envoyer",
    "chat.sending": "Envoi…",
    "chat.sent": "Message envoyé.",
    "chat.you": "Vous",
    "chat.read": "Lu",

    "app.title": "Ma messagerie",
    "app.signin.tab": "Se connecter",
    "app.signup.tab": "Créer un compte",
    "app.auth.title": "Bienvenue sur QRConnect",
    "app.auth.for_tag": "Connectez-vous ou créez un compte, puis le tag scanné sera activé à votre nom.",
    "app.username": "Nom d'utilisateur",
    "app.username.hint": "3 à 32 caractères\u00a0: lettres, chiffres, _ . -",
    "app.display_name": "Nom affiché (facultatif)",
    "app.display_name.hint": "Ce que voient les personnes qui vous écrivent.",
    "app.password": "Mot de passe",
    "app.password.hint": "8 caractères au moins.",
    "app.signin.submit": "Se connecter",
    "app.signup.submit": "Créer mon compte",
    "app.signout": "Se déconnecter",
    "app.signed_in_as": "Connecté en tant que",
    "app.inbox": "Messages",
    "app.inbox.empty": "Aucune conversation. Quand quelqu'un scanne un de vos tags et vous écrit, son message arrive ici.",
    "app.guest": "Invité",
    "app.member": "Membre",
    "app.unread": "{count} non lu(s)",
    "app.tags": "Mes tags",
    "app.tags.empty": "Aucun tag. Scannez un QR code QRConnect libre pour l'activer.",
    "app.tag.name": "Nom du tag …{short}",
    "app.tag.unnamed": "Sans nom",
    "app.tag.activated": "Activé le {date}",
    "app.back": "Retour aux messages",
    "app.reply": "Votre réponse",
    "app.thread.empty": "Aucun message.",
    "app.preview.mine": "Vous\u00a0: {text}",
    "app.username.invalid": "3 à 32 caractères\u00a0: lettres, chiffres, _ . -",
    "app.password.short": "8 caractères au moins.",

    "error.network": "Pas de connexion. Rien n'est perdu\u00a0: réessayez.",
    "error.invalid_credentials": "Nom d'utilisateur ou mot de passe incorrect.",
    "error.username_taken": "Ce nom d'utilisateur est déjà pris.",
    "error.pseudo_taken": "Ce pseudo est déjà pris auprès de cette personne. Choisissez-en un autre.",
    "error.service_unavailable": "Le service est surchargé. Réessayez dans un instant.",
    "error.body_too_large": "Ce message est trop long.",
    "error.user_not_found": "Cette personne n'existe plus.",
    "error.guest_not_found": "Cet invité ne vous a jamais écrit.",
    "error.qr_not_found": "Ce tag n'est pas à vous.",
    "error.invalid_token": "Votre session a expiré. Reconnectez-vous.",
    "error.not_authenticated": "Connectez-vous pour continuer.",
    "error.other": "Échec ({code}). Rien n'est perdu\u00a0: réessayez.",
  },
  en: {
    "loading": "Loading…",
    "brand": "QRConnect",
    "skip": "Skip to content",
    "failed.title": "Cannot connect",
    "failed.body": "The service is not answering. Check your connection and try again.",
    "retry": "Try again",

    "scan.title": "QRConnect tag",
    "scan.unknown.title": "Unknown QR code",
    "scan.unknown.body": "This QR code does not exist at QRConnect. Check that the link is complete.",
    "scan.inactive.title": "This tag is not activated yet",
    "scan.inactive.body": "Sign in or create an account to activate it: it will be yours, and whoever scans it can write to you.",
    "scan.signin": "Sign in",
    "scan.signup": "Create an account",
    "scan.activated.title": "Tag activated",
    "scan.activated.body": "This tag is yours now. Whoever scans it can write to you without seeing your number or address.",
    "scan.mine.title": "This tag is yours",
    "scan.mine.body": "Whoever scans it can write to you. Messages arrive in your inbox.",
    "scan.label": "Give it a name (only you see it)",
    "scan.label.hint": "For example “Car” or “Keys”.",
    "scan.open_app": "Open my inbox",
    "scan.redirecting": "Opening the conversation…",

    "label.save": "Save",
    "label.saved": "Name saved.",
    "label.invalid": "The name must be 1 to 40 characters.",

    "chat.title": "Write to {name}",
    "chat.hint": "Your message goes to the owner of this tag. You do not need an account.",
    "chat.missing.title": "Nobody here",
    "chat.missing.body": "This link leads to no one. Scan the QR code again.",
    "chat.messages": "Conversation",
    "chat.empty": "No messages yet.",
    "chat.pseudo": "Your name",
    "chat.pseudo.hint": "The name you appear under. You can change it until your first message.",
    "chat.pseudo.fixed": "You are writing as",
    "chat.pseudo.empty": "Choose a name.",
    "chat.pseudo.long": "The name is at most 50 characters.",
    "chat.content": "Your message",
    "chat.content.empty": "Write a message.",
    "chat.content.long": "The message is at most 4000 characters.",
    "chat.send": "Send",
    "chat.sending": "Sending…",
    "chat.sent": "Message sent.",
    "chat.you": "You",
    "chat.read": "Read",

    "app.title": "My inbox",
    "app.signin.tab": "Sign in",
    "app.signup.tab": "Create an account",
    "app.auth.title": "Welcome to QRConnect",
    "app.auth.for_tag": "Sign in or create an account, and the tag you scanned will be activated in your name.",
    "app.username": "Username",
    "app.username.hint": "3 to 32 characters: letters, digits, _ . -",
    "app.display_name": "Display name (optional)",
    "app.display_name.hint": "What people who write to you see.",
    "app.password": "Password",
    "app.password.hint": "At least 8 characters.",
    "app.signin.submit": "Sign in",
    "app.signup.submit": "Create my account",
    "app.signout": "Sign out",
    "app.signed_in_as": "Signed in as",
    "app.inbox": "Messages",
    "app.inbox.empty": "No conversations. When someone scans one of your tags and writes, their message arrives here.",
    "app.guest": "Guest",
    "app.member": "Member",
    "app.unread": "{count} unread",
    "app.tags": "My tags",
    "app.tags.empty": "No tags. Scan a free QRConnect code to activate it.",
    "app.tag.name": "Name of tag …{short}",
    "app.tag.unnamed": "Unnamed",
    "app.tag.activated": "Activated on {date}",
    "app.back": "Back to messages",
    "app.reply": "Your reply",
    "app.thread.empty": "No messages.",
    "app.preview.mine": "You: {text}",
    "app.username.invalid": "3 to 32 characters: letters, digits, _ . -",
    "app.password.short": "At least 8 characters.",

    "error.network": "No connection. Nothing is lost: try again.",
    "error.invalid_credentials": "Wrong username or password.",
    "error.username_taken": "This username is taken.",
    "error.pseudo_taken": "Someone already writes to this person under this name. Choose another.",
    "error.service_unavailable": "The service is busy. Try again in a moment.",
    "error.body_too_large": "This message is too long.",
    "error.user_not_found": "This person no longer exists.",
    "error.guest_not_found": "This guest never wrote to you.",
    "error.qr_not_found": "This tag is not yours.",
    "error.invalid_token": "Your session has expired. Sign in again.",
    "error.not_authenticated": "Sign in to continue.",
    "error.other": "Failed ({code}). Nothing is lost: try again.",
  },
};

export const lang = document.documentElement.lang === "en" ? "en" : "fr";

/** The text for `key`, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = strings[lang][key] ?? strings.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Fills `data-i18n` (text), `data-i18n-placeholder` and `data-i18n-label` (aria-label). */
export function translate(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
}

const timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric" });

/** A message time: the hour today, the day and hour before. */
export function formatTime(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return (today ? timeFormat : dateTimeFormat).format(date);
}

export function formatDate(iso) {
  return dateFormat.format(new Date(iso));
}
