"""Refusals a user can cause in the knowledge centre. Tests assert these codes, not the wording."""

INVALID = "knowledge.invalid"  # a field failed validation (kind, title, policy status, …)
FAQ_NEEDS_QUESTION = "knowledge.faq_needs_question"  # an FAQ without its question or answer

# imports: reading a file (extract.py)
UNSUPPORTED_TYPE = "knowledge.import_unsupported_type"  # not .docx/.pdf/.txt/.md
CONTENT_MISMATCH = "knowledge.import_content_mismatch"  # the bytes are not what the extension promises
ENCRYPTED = "knowledge.import_encrypted"  # a password-protected PDF
UNREADABLE = "knowledge.import_unreadable"  # a damaged file the reader cannot parse, or text in no known encoding
NO_TEXT = "knowledge.import_no_text"  # nothing to search (a scanned PDF, an empty document)
TEXT_TOO_LONG = "knowledge.import_text_too_long"  # more text than one document should hold

# imports: one file or a zip (importing.py)
UNIT_REFUSED = "knowledge.import_unit_refused"  # the owning unit is outside the importer's write scope
KIND_REFUSED = "knowledge.import_kind_refused"  # unknown kind, or FAQ (a file has no question and answer)
NOT_ZIP = "knowledge.import_not_zip"  # called .zip but not a readable zip archive
ZIP_TOO_MANY_FILES = "knowledge.import_zip_too_many_files"
ZIP_TOO_LARGE = "knowledge.import_zip_too_large"  # too many bytes once unpacked
ZIP_BOMB = "knowledge.import_zip_bomb"  # an entry inflating far beyond any document
ZIP_UNSAFE_PATH = "knowledge.import_zip_unsafe_path"  # absolute path, drive letter or ".." (path traversal)
ZIP_SYMLINK = "knowledge.import_zip_symlink"
ZIP_EMPTY = "knowledge.import_zip_empty"  # no file in it
ZIP_DUPLICATE_NAME = "knowledge.import_zip_duplicate_name"  # two entries with one path: which one is meant?
ZIP_NESTED = "knowledge.import_zip_nested"  # per file: a zip inside the zip is not unpacked
ZIP_ENTRY_ENCRYPTED = "knowledge.import_zip_entry_encrypted"  # per file: a password-protected entry
IMPORT_FAILED = "knowledge.import_failed"  # per file: an unexpected error (logged)
IMPORT_DUPLICATE = "knowledge.import_duplicate"  # 409: the same file (SHA-256) already imported or in progress

# writing, versions and publishing approval (services.py, rules.py)
NOT_ALLOWED = "knowledge.not_allowed"  # 403: no write permission, unit outside the write scope, not the approver
ARCHIVED = "knowledge.archived"  # 409: the document is archived
PENDING_EXISTS = "knowledge.pending_exists"  # 409: a new version already waits for approval
STALE_VERSION = "knowledge.stale_version"  # 409: someone saved a newer version since the form was loaded
NOT_PENDING = "knowledge.not_pending"  # 409: the version is not waiting for approval
REASON_REQUIRED = "knowledge.reason_required"  # a rejection without its reason
