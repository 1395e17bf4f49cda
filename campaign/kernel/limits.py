"""Every limit on what the service takes in, and on the work one request may cost (decision 0032).

A limit is checked before the work it bounds starts: request bodies by the API models (each
stated in the OpenAPI document as maxLength, maxItems or maxProperties), segment queries by the
parser, template sources and their rendering by the sandbox, workbooks before openpyxl reads
them. The comment beside each says why it is that size; docs/security.md lists them all with
where each is enforced and the status a request over it gets (413 for a body or file too big
to read, 422 for a value too long or too much work).
"""

from __future__ import annotations

# --- Request bodies -------------------------------------------------------------------------

# Contact files arrive as request bodies: 20 MiB holds about 200,000 CSV rows or a workbook of
# a few hundred thousand; bigger lists are imported from the command line.
BODY_MAX_BYTES = 20 * 1024 * 1024
# The largest JSON body is a template version: 20 variants of 10,000 characters, each of which
# a client may send as six-byte \u escapes (or twelve for an emoji), with room to spare.
JSON_BODY_MAX_BYTES = 4 * 1024 * 1024

# What a query parameter or header with no tighter limit may hold, in characters. The server
# reads request lines and headers of up to SERVER_LINE_BYTES / SERVER_FIELD_BYTES (aiohttp answers
# a plain 400 beyond, before any handler), which leaves room for the documented lengths even
# percent-encoded: a 10,000-character segment query of 4-byte characters is 120,000 bytes.
REQUEST_LINE_MAX = 8190
SERVER_LINE_BYTES = 128 * 1024
SERVER_FIELD_BYTES = 16 * 1024
# Values of a query parameter given as a list (state=…&state=…, or comma-separated): every
# message state or language twice over.
QUERY_LIST_MAX = 50

# --- Words people write ---------------------------------------------------------------------

# Names of campaigns, segments, template versions and measure titles: the columns are 200.
NAME_MAX = 200
# A template's or a measure's slug in a path: the columns are 100.
SLUG_MAX = 100
# Why someone rejected, cancelled, settled or stopped something: a few sentences, kept in the
# audit trail and shown to the next person.
REASON_MAX = 500
# Why a person was opted out by staff: a short note (suppressions.reason is 200).
OPT_OUT_REASON_MAX = 150
# A language code such as "nl" or "pt-BR"; the language columns are 8.
LANGUAGE_CODE_MAX = 8
# A channel's name ("sms", "email"); the channel columns are 8.
CHANNEL_NAME_MAX = 8
# The languages a campaign falls back through, or a field's labels: there are seven
# supported languages; more entries than that can only repeat them.
LANGUAGES_MAX = 16

# A field's name, as segments name it: the fields.name column is 64.
FIELD_NAME_MAX = 64
# A field's label in one language, shown beside it in pages and imports.
FIELD_LABEL_MAX = 100

# --- Segment queries ------------------------------------------------------------------------

# A saved segment, a campaign's own audience or a measure's eligibility: the longest real
# query is a few hundred characters; 10,000 holds hundreds of conditions.
SEGMENT_QUERY_MAX = 10_000
# Parentheses and NOTs inside each other: the parser recurses once per level, and nobody
# writes more than a handful; 50 keeps far from Python's recursion limit.
SEGMENT_NESTING_MAX = 50
# Conditions in one query: each costs building and compiling the SQL on the event loop (a
# 300-condition query took 100 ms there, measured); real ones have a handful, and many values
# of one field are one condition (postcode IN ("9000", "9030", …)).
SEGMENT_CONDITIONS_MAX = 50

# --- Measures -------------------------------------------------------------------------------

# A measure's plain summary or how-to in one language: a short paragraph people read in an SMS
# or email; the library's longest is under 300 characters.
MEASURE_TEXT_MAX = 2_000
# A measure's theme, like a field name: a word or two (the column is 64).
THEME_MAX = 64
# "€ 100 a month": the amount column is 100.
AMOUNT_MAX = 100
# A phone number or office with opening hours: the column is 300.
CONTACT_POINT_MAX = 300
# A link to the measure's page: the column is 500, and SMS readers need short links anyway.
LINK_MAX = 500
# Measures one campaign (a digest) carries: a digest longer than this is not read.
CAMPAIGN_MEASURES_MAX = 20

# --- Templates and rendering ----------------------------------------------------------------

# One variant's source: the library's longest is under 600 characters; 10,000 is a long email.
TEMPLATE_SOURCE_MAX = 10_000
# An email subject's source, with its variables.
TEMPLATE_SUBJECT_MAX = 500
# Variants in one version: one per supported language (7) and channel (2), with room.
TEMPLATE_VARIANTS_MAX = 20
# What one rendering may produce: a digest of the most measures (20) with their longest texts
# is about 90,000 characters; an SMS is at most 1,600. A product or a filter that would make
# more is refused before it is made.
RENDER_OUTPUT_MAX = 100_000
# A number a template computes, in bits (about 1,200 digits): an amount or a count never needs
# more, and arithmetic on bigger ones costs time that grows with their size.
RENDER_NUMBER_BITS_MAX = 4096
# Steps of one rendering (a loop turn, a call, an output piece, and one per 100 characters a
# filter or call works through): a digest of 20 measures takes a few thousand. It keeps the
# costliest rendering the sandbox allows (sorting long texts in a loop) near a tenth of a
# second, measured, where the dispatch worker fills messages in on the event loop.
RENDER_STEPS_MAX = 20_000

# --- Template previews ----------------------------------------------------------------------

# Values given in a preview's context: the template contract has seven names.
PREVIEW_CONTEXT_KEYS_MAX = 20
# A name in a preview's context (a value's, or a measure's field's): as long as a field's name.
PREVIEW_CONTEXT_NAME_MAX = FIELD_NAME_MAX
# One text in a preview's context: as long as a measure's longest text.
PREVIEW_CONTEXT_TEXT_MAX = MEASURE_TEXT_MAX
# Items of a list in a preview's context (``measures``): as many as a campaign carries.
PREVIEW_CONTEXT_ITEMS_MAX = CAMPAIGN_MEASURES_MAX

# --- Message checks -------------------------------------------------------------------------

# A text sent to POST /api/v1/messages/check: ten SMS segments are 1,600 characters and a long
# email a few thousand; the plain-language checks read every word.
CHECK_TEXT_MAX = 20_000

# --- Lists and pages ------------------------------------------------------------------------

# Message ids in one resend or settle request: a page of a campaign's failures, ten times over.
MESSAGE_IDS_MAX = 10_000
# Rows in one page of messages or exclusions.
PAGE_MAX = 1_000
# The ``reason`` filter of the message list: a reason's kind is enough to filter on.
REASON_FILTER_MAX = 500
# Proofs per variant: an approver reads a handful.
PROOFS_MAX = 20
# Contacts in a segment preview's masked sample.
PREVIEW_SAMPLE_MAX = 20

# --- Contact files --------------------------------------------------------------------------

# Columns of a contact file: the contact's own fifteen plus its attributes; a wider sheet is
# not a contact list, and each column costs a check on every row.
IMPORT_COLUMNS_MAX = 300
# Rows of a workbook's sheets: Excel's own maximum; a sheet with more was not made by a person.
XLSX_ROWS_MAX = 1_048_576
# A workbook's parts once unzipped: a 20 MiB workbook of contacts unzips to about 150 MiB of
# XML. Checked from the zip's directory, so a bomb is refused before anything is inflated.
XLSX_UNCOMPRESSED_MAX = 256 * 1024 * 1024
# Parts (files) in a workbook: one sheet needs about ten; styles, themes and a few sheets more.
XLSX_PARTS_MAX = 1_000
# Shared strings: openpyxl reads them all before the first row. Three texts for each of
# 300,000 contacts fit; five million in 200 KB is an attack on memory, not a contact list.
XLSX_SHARED_STRINGS_MAX = 1_000_000

# --- Work off the event loop ----------------------------------------------------------------

# CPU-heavy jobs that run at once (the others wait their turn): with one interpreter lock,
# more threads add no speed, and each competes with the event loop for it. Measured with
# threads spinning in Python: the loop waited up to 37 ms with two, 85 ms with four.
WORK_THREADS = 2
# How often (seconds) the interpreter lock passes between threads that want it: Python's 5 ms
# let the loop wait up to 250 ms behind two busy threads (measured), 1 ms up to 37 ms.
SWITCH_INTERVAL = 0.001
# A preview, a check of a text or a template's check at save time: a second at the longest
# inputs; ten is for a machine under load.
WORK_TIME_LIMIT = 10.0
# A campaign's checks before approval, or its estimate: they fill the template in for every
# distinct name and place in the audience, a million contacts in under a minute.
CAMPAIGN_CHECK_TIME_LIMIT = 120.0
# A contact file read through once, to type its columns: a 20 MiB file takes seconds, the
# biggest workbook the limits allow a few minutes.
IMPORT_READ_TIME_LIMIT = 600.0
# One batch of a contact file read and checked (5,000 rows, about a second).
IMPORT_BATCH_TIME_LIMIT = 60.0

# A provider's webhook form: a few short fields and a 1,600-character SMS (413 before reading).
FORM_BODY_MAX_BYTES = 64 * 1024
# Objects and lists inside each other in a JSON body: the deepest body (a preview's context)
# nests four deep; deeper only costs whoever walks it, and Python's parser gives up near a
# thousand.
JSON_DEPTH_MAX = 32
# How many fields of its own a partner may have: room for any real file, not for a file that
# floods the registry (a partner's import once added 10,000 names everyone saw).
PARTNER_FIELDS_MAX = 200
