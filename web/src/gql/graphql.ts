/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What to compute over each bucket's records. */
export type AggregateFunction =
  /** The mean of the values. */
  | 'AVG'
  /** How many records. */
  | 'COUNT'
  /** The value of the latest record, and when it was. */
  | 'LATEST'
  /** The largest value. */
  | 'MAX'
  /** The smallest value. */
  | 'MIN'
  /** The values added up. */
  | 'SUM'
  /** How many distinct values of uniqueOf or uniqueOfProperty (one of which it needs). */
  | 'UNIQUE_COUNT';

/** How a metric's records add up when a query names no function. */
export type Aggregation =
  /** The mean of the values. */
  | 'AVG'
  /** How many records. */
  | 'COUNT'
  /** The value of the latest record. */
  | 'LATEST'
  /** The largest value. */
  | 'MAX'
  /** The smallest value. */
  | 'MIN'
  /** The values added up. */
  | 'SUM'
  /** How many distinct values of the query's uniqueOf or uniqueOfProperty. */
  | 'UNIQUE_COUNT';

/** What to aggregate: a half-open window [from, to) and how. */
export type AggregationCriteria = {
  /** Only records of this application. */
  applicationId?: string | null | undefined;
  /** Only billable (true) or only non-billable (false) records. */
  billable?: boolean | null | undefined;
  /** Omitted: the key's own company, or every company for ADMIN. */
  companyId?: string | null | undefined;
  /** The window's start (inclusive). */
  from: string;
  /** Omitted: each metric's own aggregation. */
  functions?: Array<AggregateFunction> | null | undefined;
  /** The bucket size: HOUR, DAY, MONTH, or TOTAL for one bucket. */
  granularity?: Granularity;
  /** Split each bucket by these context fields. */
  groupBy?: Array<GroupDimension> | null | undefined;
  /** Group by this key of the records' properties. */
  groupByProperty?: string | null | undefined;
  /** SPACE breaks every bucket down by space. */
  level?: Level;
  /** Only these metrics; omitted: every metric. */
  metricCodes?: Array<string> | null | undefined;
  /** Only metrics of this resource type. */
  resourceType?: ResourceType | null | undefined;
  /** Only records from this source. */
  source?: string | null | undefined;
  /** Only records of this space. */
  spaceId?: string | null | undefined;
  /** Also give each gauge's time-weighted average (a reading holds until the next one). */
  timeWeighted?: boolean;
  /** IANA zone for DAY and MONTH (and HOUR) boundaries. */
  timeZone?: string;
  /** The window's end (exclusive). */
  to: string;
  /** What UNIQUE_COUNT counts: a context field... */
  uniqueOf?: GroupDimension | null | undefined;
  /** ...or a key of the records' properties. */
  uniqueOfProperty?: string | null | undefined;
  /** Only records of this user. */
  userId?: string | null | undefined;
};

/** Which alerts to list; every field given must match. */
export type AlertFilter = {
  /** Only acknowledged (true) or only open (false) alerts. */
  acknowledged?: boolean | null | undefined;
  /** Only this company's alerts (a scoped key may name only its own). */
  companyId?: string | null | undefined;
  /** Only alerts on this metric. */
  metricCode?: string | null | undefined;
};

/** CROSSING, or FORECAST when projected. */
export type AlertKind =
  /** The period's usage has reached the level. */
  | 'CROSSING'
  /** At its pace, the period's usage will reach the level before the period ends. */
  | 'FORECAST';

/** The period a cost is recorded and split for: a UTC hour or a UTC day. */
export type AllocationGranularity =
  /** One UTC day. */
  | 'DAILY'
  /** One UTC hour. */
  | 'HOURLY';

/** The company to archive. */
export type ArchiveCompanyInput = {
  /** The company. */
  id: string;
};

/** The metric to archive. */
export type ArchiveMetricInput = {
  /** The metric's code. */
  code: string;
};

/** The product to archive. */
export type ArchiveProductInput = {
  /** The product's code. */
  code: string;
};

/** A company's billing details; a part left out or blank is cleared. */
export type BillingDetailsInput = {
  /** Street address, up to 4 lines of 200 characters. */
  addressLines?: Array<string>;
  /** City. */
  city?: string | null | undefined;
  /** ISO 3166 two-letter country code (GB, DE, US ...). */
  country?: string | null | undefined;
  /** Where invoices are sent. */
  email?: string | null | undefined;
  /** The name invoices are billed to (at most 200 characters). */
  legalName?: string | null | undefined;
  /** Postal code. */
  postalCode?: string | null | undefined;
  /** Tax (VAT) identification number (at most 50 characters). */
  taxId?: string | null | undefined;
};

/** Count only the records whose property is one of the values (as text: a number 5 is "5"). */
export type ChargeFilterInput = {
  /** The usage record property to look at. */
  property: string;
  /** The values a counted record may hold. */
  values: Array<string>;
};

/** A company to create. */
export type CompanyInput = {
  /** Who the company's invoices are addressed to. */
  billingDetails?: BillingDetailsInput | null | undefined;
  /** The company's key in your own systems, unique: letters, digits, _ . : - or single inner spaces, at most 128 characters. */
  externalKey: string;
  /** How many days back a usage record may be dated; null: the server's default (35). */
  lateArrivalDays?: number | null | undefined;
  /** The company's display name. */
  name: string;
  /** Usage properties to drop or hash at ingest. */
  redactedProperties?: Array<RedactedPropertyInput>;
  /** How usage records keep user ids; fixed once the company has records. */
  userIdMode?: UserIdMode;
};

/** A contract to create: a company's prices and terms from a start date. */
export type ContractInput = {
  /** The day of the month each billing period starts (1-28). */
  billingDay?: number;
  /** The company billed. */
  companyId: string;
  /** The ISO 4217 currency its invoices are in (USD, EUR, JPY). */
  currency: string;
  /** The last day it is in force; null: open-ended. */
  endDate?: string | null | undefined;
  /** The contract's id in your own systems (contract_customer_c_001); unique per company. */
  externalId?: string | null | undefined;
  /** Hours after a period ends during which its invoice stays draft. */
  graceHours?: number;
  /** Charged on overdue amounts, in percent per month (at most 100). */
  lateFeePercentPerMonth?: string;
  /** The least each period is billed; a shortfall is a MINIMUM_TRUE_UP line. */
  minimumCommitment?: string | null | undefined;
  /** Days from an invoice's issue to its due date. */
  paymentTermsDays?: number;
  /** The products it prices, each once. */
  products: Array<ContractProductInput>;
  /** The first day it is in force. */
  startDate: string;
};

/** A product a contract prices, and its price. */
export type ContractProductInput = {
  /** Only records matching every filter count toward this price; none: every record of the product's metric. In simulateInvoice: the filters to try instead of the contract's (an empty list: none). */
  filters?: Array<ChargeFilterInput> | null | undefined;
  /** Its price under the contract. */
  price: PriceInput;
  /** The product (a defined product's code). */
  productCode: string;
};

/** The usage record to correct: a new value, timestamp or both. */
export type CorrectUsageRecordInput = {
  /** The usage record. */
  id: string;
  /** Why (kept with the correction). */
  reason: string;
  /** The corrected timestamp. */
  timestamp?: string | null | undefined;
  /** The corrected value. */
  value?: string | null | undefined;
};

/** What a product cost in one UTC hour (HOURLY) or day (DAILY). */
export type CostInput = {
  /** What it cost in currency, to its minor unit (the cent; the yen for JPY); not negative. */
  amount: string;
  /** The ISO 4217 currency of amount. */
  currency?: string;
  /** Whether the amount is one UTC hour's (HOURLY) or one UTC day's (DAILY). */
  granularity: AllocationGranularity;
  /** The hour's or day's first instant (UTC, on its boundary). */
  periodStart: string;
  /** The product that cost it. */
  productCode: string;
};

/** A product: what contracts price, billed by one metric. */
export type CreateProductInput = {
  /** Its code, unique. */
  code: string;
  /** The metric it bills (not archived). */
  metricCode: string;
  /** Its name on invoices. */
  name: string;
};

/** A report run on a cron schedule and sent to a destination. */
export type CreateReportScheduleInput = {
  /** What each report covers. */
  criteria: ReportCriteriaInput;
  /** 5 fields, or 6 with seconds first. */
  cron: string;
  /** Where each report is sent. */
  destination: ReportDestinationInput;
  /** CSV, JSON or PDF. */
  format: ReportFormat;
  /** Its name. */
  name: string;
  /** The cron's time zone. */
  timeZone?: string;
};

/** Where a scheduled report goes. */
export type DestinationType =
  /** E-mailed, the file attached. */
  | 'EMAIL'
  /** Kept for download. */
  | 'STORED'
  /** POSTed to a URL, signed when a secret is set. */
  | 'WEBHOOK';

/** Machine-readable reason for a rejection. */
export type ErrorCode =
  /** Something with this code, key or name already exists. */
  | 'ALREADY_EXISTS'
  /** The company, metric or product named is archived: it takes no new usage, product, threshold or contract. */
  | 'ARCHIVED'
  /** More records than one batch may hold. */
  | 'BATCH_TOO_LARGE'
  /** The change would take effect after the contract's end. */
  | 'CONTRACT_ENDED'
  /** An expiry that has already passed. */
  | 'EXPIRES_IN_PAST'
  /** A field the rest of the input does not use (a price model's field it has no use for, a companyId a role refuses). */
  | 'FIELD_NOT_APPLICABLE'
  /** The key's role may not do this. */
  | 'FORBIDDEN'
  /** The metric has usage: what its numbers mean (unit, resource type, measurement type, aggregation) is fixed. */
  | 'HAS_USAGE'
  /** The idempotency key was stored with another metric, instant or value. */
  | 'IDEMPOTENCY_CONFLICT'
  /** The billing period does not end after it starts. */
  | 'INVALID_BILLING_PERIOD'
  /** A control character, line break, NUL or lone surrogate where none may be. */
  | 'INVALID_CHARACTER'
  /** The field's text is not in the form it needs. */
  | 'INVALID_FORMAT'
  /** A window whose start is not before its end, or too long, or with too many buckets. */
  | 'INVALID_WINDOW'
  /** Something active depends on it (a contract in force, a product, a threshold): not archived. */
  | 'IN_USE'
  /** The API key is revoked. */
  | 'KEY_REVOKED'
  /** The last tier has an upper bound: some quantity would have no price. */
  | 'LAST_TIER_BOUNDED'
  /** The record's measurement type is not its metric's. */
  | 'MEASUREMENT_TYPE_MISMATCH'
  /** A COUNTER metric's value is negative. */
  | 'NEGATIVE_COUNTER_VALUE'
  /** A price or fee below zero. */
  | 'NEGATIVE_PRICE'
  /** The invoice is not finalized: only a finalized invoice gets credit notes. */
  | 'NOT_CREDITABLE'
  /** Nothing with this id is visible to the key. */
  | 'NOT_FOUND'
  /** The invoice is not finalized: only a finalized invoice takes payments. */
  | 'NOT_PAYABLE'
  /** The invoice is not finalized: only a finalized invoice is voided. */
  | 'NOT_VOIDABLE'
  /** A number or date outside the range the field accepts. */
  | 'OUT_OF_RANGE'
  /** A PACKAGE price's package size is not above zero. */
  | 'PACKAGE_SIZE_NOT_POSITIVE'
  /** The change reaches into a finalized billing period. */
  | 'PERIOD_FINALIZED'
  /** The field is missing or blank. */
  | 'REQUIRED'
  /** The record's resource type is not its metric's. */
  | 'RESOURCE_TYPE_MISMATCH'
  /** A retention period shorter than the level it summarises needs. */
  | 'RETENTION_TOO_SHORT'
  /** A tiered price without tiers. */
  | 'TIERS_REQUIRED'
  /** Tier bounds that do not rise. */
  | 'TIERS_UNORDERED'
  /** The timestamp is more than 5 minutes ahead of the server's clock. */
  | 'TIMESTAMP_IN_FUTURE'
  /** The timestamp is older than the company's late-arrival window (an ADMIN may backfill). */
  | 'TIMESTAMP_TOO_OLD'
  /** An instant without its UTC offset. */
  | 'TIMESTAMP_WITHOUT_OFFSET'
  /** Text or properties longer than the field's limit. */
  | 'TOO_LONG'
  /** More decimal places than the field keeps. */
  | 'TOO_MANY_DECIMALS'
  /** A tier without an upper bound before the last. */
  | 'UNBOUNDED_TIER_NOT_LAST'
  /** The record's unit is not its metric's. */
  | 'UNIT_MISMATCH'
  /** No company has this id. */
  | 'UNKNOWN_COMPANY'
  /** No metric has this code. */
  | 'UNKNOWN_METRIC'
  /** No product has this code. */
  | 'UNKNOWN_PRODUCT'
  /** The company owes a finalized invoice: not archived. */
  | 'UNPAID_INVOICES'
  /** The company already has usage records: its user id mode is fixed. */
  | 'USER_ID_MODE_LOCKED'
  /** The value is NaN or infinite. */
  | 'VALUE_NOT_FINITE'
  /** A value or amount beyond the server's limit. */
  | 'VALUE_OUT_OF_RANGE'
  /** The metric has usage: what it is measured by is fixed. */
  | 'VALUE_PROPERTY_LOCKED'
  /** The record lacks the property its metric is measured by. */
  | 'VALUE_PROPERTY_MISSING'
  /** The property its metric is measured by is not a JSON number. */
  | 'VALUE_PROPERTY_NOT_NUMERIC'
  /** Retention has removed the detail the window needs. */
  | 'WINDOW_NOT_ANSWERABLE'
  /** A first tier ending at 0 holds no units and may not carry a price. */
  | 'ZERO_WIDTH_TIER_PRICED';

/** Which metrics to check for missing reporting intervals. */
export type GapCriteria = {
  /** Only this company; omitted: the key's own company, or every company for ADMIN. */
  companyId?: string | null | undefined;
  /** The window's start (inclusive). */
  from: string;
  /** Only these metrics; omitted: every metric with a reporting interval. */
  metricCodes?: Array<string> | null | undefined;
  /** The window's end (exclusive). */
  to: string;
};

/** A report to build in the background. */
export type GenerateReportInput = {
  /** What it covers. */
  criteria: ReportCriteriaInput;
  /** CSV, JSON or PDF. */
  format: ReportFormat;
};

/** Bucket size; TOTAL is one bucket. */
export type Granularity =
  /** One bucket per day of the time zone. */
  | 'DAY'
  /** One bucket per hour. */
  | 'HOUR'
  /** One bucket per calendar month of the time zone. */
  | 'MONTH'
  /** One bucket for the whole window. */
  | 'TOTAL';

/** Context a result can be grouped by. */
export type GroupDimension =
  /** The record's application. */
  | 'APPLICATION'
  /** The record's billing category. */
  | 'BILLING_CATEGORY'
  /** The record's company (a key of one company sees only its own). */
  | 'COMPANY'
  /** The record's source. */
  | 'SOURCE'
  /** The record's space. */
  | 'SPACE'
  /** The record's user. */
  | 'USER';

/** Which invoices to list; every field given must match. */
export type InvoiceFilter = {
  /** Only this company's invoices (a scoped key may name only its own). */
  companyId?: string | null | undefined;
  /** Only this contract's invoices. */
  contractId?: string | null | undefined;
  /** Only invoices with this status (DRAFT, FINALIZED, VOID). */
  status?: string | null | undefined;
};

/** What an invoice line charges for. */
export type InvoiceLineKind =
  /** Late usage of a finalized period, re-rated. */
  | 'ADJUSTMENT'
  /** The company's credit spent on this invoice (a negative amount). */
  | 'CREDIT_APPLIED'
  /** The late fee on earlier invoices still unpaid past their due date. */
  | 'LATE_FEE'
  /** What brings the period up to the minimum commitment. */
  | 'MINIMUM_TRUE_UP'
  /** A product's usage in the period, priced. */
  | 'USAGE';

/** Where an invoice stands. */
export type InvoiceStatus =
  /** Recomputed on every run until its grace period is over. */
  | 'DRAFT'
  /** Issued: never changed again. */
  | 'FINALIZED'
  /** What a period would get; stored nowhere (previews, simulations). */
  | 'PREVIEW'
  /** A finalized invoice cancelled by a full credit note: it owes nothing. */
  | 'VOID';

/** How a run stands; one cut short by a shutdown is FAILED. */
export type JobOutcome =
  /** Ended with an error, or was cut short (a shutdown, a dead process). */
  | 'FAILED'
  /** Still running. */
  | 'RUNNING'
  /** Ended without error. */
  | 'SUCCEEDED';

/** What started a run. */
export type JobTrigger =
  /** Someone started it by hand (runJob). */
  | 'MANUAL'
  /** Its schedule started it. */
  | 'SCHEDULE';

/** SPACE breaks every bucket down by space; COMPANY does not. */
export type Level =
  /** Buckets as grouped, not split by space. */
  | 'COMPANY'
  /** Every bucket split by space. */
  | 'SPACE';

/** A share of the limit, or a quantity. */
export type LevelKind =
  /** The level's value is a quantity in the metric's unit. */
  | 'ABSOLUTE'
  /** The level's value is a percentage of the threshold's limit. */
  | 'PERCENTAGE';

/** The alert to acknowledge. */
export type MarkAlertAcknowledgedInput = {
  /** The alert. */
  id: string;
};

/** How a usage record's value reads: a count, a level or a duration. */
export type MeasurementType =
  /** A count of what happened since the last record; never negative, records add up. */
  | 'COUNTER'
  /** A level at the record's instant (users, GB kept); records are averaged or their maximum taken, not added. */
  | 'GAUGE'
  /** A duration that was used. */
  | 'TIMER';

/** A metric to define. */
export type MetricInput = {
  /** How its records add up when a query names no function. */
  aggregation: Aggregation;
  /** The metric's code (API_REQUESTS): unique; usage records and products name it. */
  code: string;
  /** What the metric counts, in words. */
  description?: string | null | undefined;
  /** How often a company should report it (usageGaps looks for missed intervals); null: no expectation. */
  interval?: ReportingInterval | null | undefined;
  /** How a record's value reads: a count, a level or a duration. */
  measurementType: MeasurementType;
  /** The metric's display name. */
  name: string;
  /** What the metric's records measure. */
  resourceType: ResourceType;
  /** The unit every record of the metric is sent in (requests, GB). */
  unit: string;
  /** Measure each record by this numeric property instead of its value: a record without it, or with a value there that is not a JSON number, is refused. */
  valueProperty?: string | null | undefined;
};

/** Where an alert is sent. */
export type NotificationChannel =
  /** An e-mail to each of the company's e-mail recipients. */
  | 'EMAIL'
  /** The app: the alertRaised subscription and the console. */
  | 'PLATFORM'
  /** A text message to each of the company's SMS recipients. */
  | 'SMS';

/** PENDING, DELIVERED or FAILED (gave up). */
export type NotificationDeliveryStatus =
  /** Delivered. */
  | 'DELIVERED'
  /** Every attempt failed (10): no more will be made. */
  | 'FAILED'
  /** Not delivered yet; it will be tried again. */
  | 'PENDING';

/** Whether an invoice is paid. */
export type PaymentStatus =
  /** Past its due date and not paid in full. */
  | 'OVERDUE'
  /** Paid in full. */
  | 'PAID'
  /** Not paid in full, not yet due. */
  | 'UNPAID';

/** A product's price in a contract: a model and the fields it uses (any other is refused). */
export type PriceInput = {
  /** Units free each period before any is charged (pro-rated for a partial first period). */
  freeUnits?: string;
  /** How a quantity is priced. */
  model: PriceModel;
  /** Price per package (PACKAGE). */
  packagePrice?: string | null | undefined;
  /** Units per package (PACKAGE); above zero. */
  packageSize?: string | null | undefined;
  /** How a PACKAGE price counts a partly used package. */
  rounding?: Rounding;
  /** Which quantity picks the tier when there are free units. */
  tierBasis?: TierBasis;
  /** The tiers (GRADUATED, VOLUME, FLAT_TIERED), bounds rising, the last unbounded. */
  tiers?: Array<TierInput> | null | undefined;
  /** Price per unit (PER_UNIT). */
  unitPrice?: string | null | undefined;
};

/** How a price turns a period's quantity into an amount. */
export type PriceModel =
  /** One flat fee: the one of the tier the quantity falls in. */
  | 'FLAT_TIERED'
  /** Each tier's units at that tier's price, plus the flat fee of every tier reached. */
  | 'GRADUATED'
  /** A packagePrice for every packageSize units (rounding decides a partial package). */
  | 'PACKAGE'
  /** Every unit at unitPrice. */
  | 'PER_UNIT'
  /** Every unit at the price of the tier the quantity falls in, plus its flat fee. */
  | 'VOLUME';

/** Who a recipient is for its company. */
export type RecipientRole =
  /** The company's administrators. */
  | 'COMPANY_ADMIN'
  /** The company's viewers. */
  | 'VIEWER';

/** A payment against a finalized invoice. */
export type RecordPaymentInput = {
  /** How much was paid, in its currency. */
  amount: string;
  /** The invoice. */
  invoiceId: string;
  /** When it was paid. */
  paidAt: string;
};

/** A usage property to redact at ingest. */
export type RedactedPropertyInput = {
  /** Drop it or hash its value. */
  action: RedactionAction;
  /** The property's key (top level of properties). */
  key: string;
};

/** What ingest does with a redacted property: drops it, or replaces its value by a keyed hash ("psn_" + hex). */
export type RedactionAction =
  /** The property is removed before the record is stored. */
  | 'DROP'
  /** The property's value is stored as a keyed hash ("psn_" + hex). */
  | 'HASH';

/** A window relative to when the report runs, in its time zone. */
export type RelativeWindow =
  /** The 7 days before the report runs. */
  | 'LAST_7_DAYS'
  /** The 30 days before the report runs. */
  | 'LAST_30_DAYS'
  /** From this month's start until the report runs. */
  | 'MONTH_TO_DATE'
  /** Yesterday. */
  | 'PREVIOUS_DAY'
  /** The last whole hour. */
  | 'PREVIOUS_HOUR'
  /** Last calendar month. */
  | 'PREVIOUS_MONTH'
  /** Last week, Monday to Monday. */
  | 'PREVIOUS_WEEK';

/** The report schedule to remove (its reports stay). */
export type RemoveReportScheduleInput = {
  /** The schedule. */
  id: string;
};

/** The threshold to remove (its alerts go with it). */
export type RemoveThresholdInput = {
  /** The threshold. */
  id: string;
};

/** A threshold's new limit and levels (its metric, company and period stay). */
export type ReplaceThresholdInput = {
  /** The threshold. */
  id: string;
  /** Its levels, all of them. */
  levels: Array<ThresholdLevelInput>;
  /** The limit per period; null: levels are quantities. */
  limit?: string | null | undefined;
};

/** What a report covers: a fixed [from, to) or a relative window. */
export type ReportCriteriaInput = {
  /** COST_ALLOCATION: split each hour's cost (HOURLY) or each day's (DAILY). */
  allocationGranularity?: AllocationGranularity;
  /** Only usage of this application. */
  applicationId?: string | null | undefined;
  /** Only billable (true) or non-billable (false) usage. */
  billable?: boolean | null | undefined;
  /** Omitted: the key's own company, or the platform for ADMIN. */
  companyId?: string | null | undefined;
  /** A fixed window's start (inclusive); with to, instead of window. */
  from?: string | null | undefined;
  /** The bucket size of the usage series. */
  granularity?: Granularity;
  /** Split the usage table by these context fields. */
  groupBy?: Array<GroupDimension> | null | undefined;
  /** What the report is about. */
  kind?: ReportKind;
  /** Only these metrics; omitted: every metric. */
  metricCodes?: Array<string> | null | undefined;
  /** COST_ALLOCATION: these products (omitted: every product). */
  productCodes?: Array<string> | null | undefined;
  /** Only usage from this source. */
  source?: string | null | undefined;
  /** Only usage of this space. */
  spaceId?: string | null | undefined;
  /** IANA zone of buckets and windows: UTC, or the schedule's. */
  timeZone?: string | null | undefined;
  /** A fixed window's end (exclusive); with from, instead of window. */
  to?: string | null | undefined;
  /** How many top spaces, apps, users. */
  top?: number;
  /** Only usage of this user. */
  userId?: string | null | undefined;
  /** A window fixed when the report runs, instead of from and to. */
  window?: RelativeWindow | null | undefined;
};

/** A scheduled run's delivery: waiting (or retrying), sent, or given up. */
export type ReportDeliveryStatus =
  /** Delivered. */
  | 'DELIVERED'
  /** Five tries failed: no more will be made. */
  | 'FAILED'
  /** Not delivered yet: waiting, or to be tried again. */
  | 'PENDING';

/** Where a scheduled report goes. */
export type ReportDestinationInput = {
  /** WEBHOOK: HMAC-SHA256 key for X-Metergraph-Signature. */
  secret?: string | null | undefined;
  /** EMAIL: addresses. */
  to?: Array<string> | null | undefined;
  /** Where it goes: kept (STORED), e-mailed or POSTed to a webhook. */
  type: DestinationType;
  /** WEBHOOK: http(s) URL. */
  url?: string | null | undefined;
};

/** A report file's format. */
export type ReportFormat =
  /** A CSV table (RFC 4180, CRLF line ends). */
  | 'CSV'
  /** A JSON document: figures per metric and the table's rows. */
  | 'JSON'
  /** A PDF with key figures, charts and tables. */
  | 'PDF';

/** USAGE: summaries and analysis; COST_ALLOCATION and PROFITABILITY: ADMIN only. */
export type ReportKind =
  /** The platform's costs split between companies (ADMIN). */
  | 'COST_ALLOCATION'
  /** Revenue against cost per company and period (ADMIN). */
  | 'PROFITABILITY'
  /** Usage summaries and analysis: totals, trend, forecast, top contexts, gaps and billing. */
  | 'USAGE';

/** Where building a report stands. */
export type ReportStatus =
  /** Could not be built: error says why. */
  | 'FAILED'
  /** Waiting to be built. */
  | 'PENDING'
  /** Being built. */
  | 'RUNNING'
  /** Built: downloadUrl serves the file. */
  | 'SUCCEEDED';

/** How often a company is expected to report a metric: an interval without a record is a usage gap. */
export type ReportingInterval =
  /** At least one record every UTC day. */
  | 'DAILY'
  /** At least one record every UTC hour. */
  | 'HOURLY'
  /** At least one record every UTC month. */
  | 'MONTHLY';

/** What a usage record measures. */
export type ResourceType =
  /** Requests made to an API. */
  | 'API_CALLS'
  /** Data moved in or out. */
  | 'DATA_TRANSFER'
  /** Data kept: a level of storage at an instant. */
  | 'STORAGE'
  /** Users: how many were active or seated. */
  | 'USER_COUNT';

/** What an API key may do. */
export type Role =
  /** Everything, for every company. */
  | 'ADMIN'
  /** Record and read its own company's usage, contracts and invoices. */
  | 'COMPANY_ADMIN'
  /** Record usage for any company; no reads. */
  | 'SYSTEM'
  /** Read its own company's usage, contracts and invoices. */
  | 'VIEWER';

/** How a PACKAGE price counts a partial package. */
export type Rounding =
  /** A partial package is not billed. */
  | 'DOWN'
  /** A partial package is billed as its fraction. */
  | 'NONE'
  /** A partial package is billed as a whole one. */
  | 'UP';

/** The job to run now. */
export type RunJobInput = {
  /** The job's name (see `jobs`). */
  name: string;
};

/** A report schedule to pause or resume. */
export type SetReportScheduleActiveInput = {
  /** Resume (true) or pause (false). */
  active: boolean;
  /** The schedule. */
  id: string;
};

/** A metric's limit for a period, and the levels at which alerts are raised. */
export type ThresholdInput = {
  /** Omitted (ADMIN): the default for every company. */
  companyId?: string | null | undefined;
  /** The levels, lowest first. */
  levels: Array<ThresholdLevelInput>;
  /** The period's limit, in the metric's unit; needed by PERCENTAGE levels. */
  limit?: string | null | undefined;
  /** The metric whose usage is watched. */
  metricCode: string;
  /** The period usage is summed over (MONTH, or DAY). */
  period?: ThresholdPeriod;
};

/** A level of a threshold: when usage reaches it, an alert is raised and its channels told. */
export type ThresholdLevelInput = {
  /** Where the alert is sent. */
  channels: Array<NotificationChannel>;
  /** Whether value is a percentage of the limit or a quantity. */
  kind: LevelKind;
  /** WARNING, CRITICAL, or any label. */
  name: string;
  /** Whose recipients are told; omitted: every role's. */
  roles?: Array<RecipientRole> | null | undefined;
  /** Percent of the limit, or a quantity. */
  value: string;
};

/** The period a threshold sums usage over. */
export type ThresholdPeriod =
  /** Usage summed over each UTC day. */
  | 'DAY'
  /** Usage summed over each UTC calendar month. */
  | 'MONTH';

/** Which quantity picks the tier: the total or the billable part. */
export type TierBasis =
  /** What is left once the free units are used up. */
  | 'BILLABLE'
  /** The whole period's quantity, free units included. */
  | 'TOTAL';

/** A tier of a tiered price. */
export type TierInput = {
  /** Charged once when the tier is reached. */
  flatFee?: string | null | undefined;
  /** Price per unit in the tier (GRADUATED, VOLUME). */
  unitPrice?: string | null | undefined;
  /** Inclusive upper bound; null: no bound (the last tier). */
  upTo?: string | null | undefined;
};

/** Who a company's notifications on one channel go to, for a role. */
export type UpdateNotificationRecipientsInput = {
  /** Every address (replaces the list). */
  addresses: Array<string>;
  /** EMAIL or SMS. */
  channel: NotificationChannel;
  /** The company. */
  companyId: string;
  /** Whom they are for. */
  role?: RecipientRole;
};

/** Which usage records to list; every field given must match. */
export type UsageRecordFilter = {
  /** Only this application's records. */
  applicationId?: string | null | undefined;
  /** Only billable (true) or only non-billable (false) records. */
  billable?: boolean | null | undefined;
  /** Only this company's records (a scoped key may name only its own). */
  companyId?: string | null | undefined;
  /** Only records from this instant on (inclusive). */
  from?: string | null | undefined;
  /** Only these metrics. */
  metricCodes?: Array<string> | null | undefined;
  /** Only records of this resource type. */
  resourceType?: ResourceType | null | undefined;
  /** Only records from this source. */
  source?: string | null | undefined;
  /** Only this space's records. */
  spaceId?: string | null | undefined;
  /** Only records before this instant (exclusive). */
  to?: string | null | undefined;
  /** Only this user's records. */
  userId?: string | null | undefined;
};

/** How a company's usage records keep user ids: as sent (RAW), or replaced before storage by a keyed hash of the company's (PSEUDONYMIZED). */
export type UserIdMode =
  /** User ids are replaced by a keyed hash before storage. */
  | 'PSEUDONYMIZED'
  /** User ids are stored as sent. */
  | 'RAW';

/** The usage record to void, and why. */
export type VoidUsageRecordInput = {
  /** The usage record. */
  id: string;
  /** Why (kept with the correction). */
  reason: string;
};

export type AggregateUsageQueryVariables = Exact<{
  criteria: AggregationCriteria;
}>;


export type AggregateUsageQuery = { aggregateUsage:
    | { __typename: 'AggregationResult', from: string, to: string, granularity: Granularity, timeZone: string, functions: Array<AggregateFunction>, buckets: Array<{ periodStart: string, periodEnd: string, metricCode: string, companyId: string | null, spaceId: string | null, applicationId: string | null, userId: string | null, source: string | null, billingCategory: string | null, property: string | null, sum: string | null, count: number | null, avg: string | null, min: string | null, max: string | null, uniqueCount: number | null, latest: string | null }> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { keyId: string, role: Role, companyId: string | null, sessionExpiresAt: string | null, company: { id: string, name: string, externalKey: string } | null } };

export type MetricsQueryVariables = Exact<{ [key: string]: never; }>;


export type MetricsQuery = { metricsConnection: { edges: Array<{ node: { code: string, name: string, unit: string, resourceType: ResourceType, measurementType: MeasurementType, aggregation: Aggregation, interval: ReportingInterval | null, description: string | null } }> } };

export type CompanyNamesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type CompanyNamesQuery = { companies: { edges: Array<{ node: { id: string, name: string, externalKey: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AlertListQueryVariables = Exact<{
  filter?: AlertFilter | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type AlertListQuery = { alerts: { edges: Array<{ node: { id: string, thresholdId: string, companyId: string, metricCode: string, kind: AlertKind, level: string, levelValue: string, usage: string, limit: string | null, periodStart: string, periodEnd: string, raisedAt: string, acknowledgedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AlertsPageAlertRaisedSubscriptionVariables = Exact<{
  companyId?: string | null | undefined;
}>;


export type AlertsPageAlertRaisedSubscription = { alertRaised: { id: string, metricCode: string, level: string, raisedAt: string } };

export type MarkAlertAcknowledgedMutationVariables = Exact<{
  input: MarkAlertAcknowledgedInput;
}>;


export type MarkAlertAcknowledgedMutation = { markAlertAcknowledged:
    | { __typename: 'Alert', id: string, acknowledgedAt: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type ThresholdListQueryVariables = Exact<{
  companyId?: string | null | undefined;
}>;


export type ThresholdListQuery = { thresholdsConnection: { edges: Array<{ node: { id: string, companyId: string | null, metricCode: string, period: ThresholdPeriod, limit: string | null, levels: Array<{ name: string, kind: LevelKind, value: string, amount: string | null, channels: Array<NotificationChannel>, roles: Array<RecipientRole> }> } }> } };

export type CreateThresholdMutationVariables = Exact<{
  input: ThresholdInput;
}>;


export type CreateThresholdMutation = { createThreshold:
    | { __typename: 'Threshold', id: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type ReplaceThresholdMutationVariables = Exact<{
  input: ReplaceThresholdInput;
}>;


export type ReplaceThresholdMutation = { replaceThreshold:
    | { __typename: 'Threshold', id: string, limit: string | null, levels: Array<{ name: string, kind: LevelKind, value: string, amount: string | null, channels: Array<NotificationChannel>, roles: Array<RecipientRole> }> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type RemoveThresholdMutationVariables = Exact<{
  input: RemoveThresholdInput;
}>;


export type RemoveThresholdMutation = { removeThreshold:
    | { __typename: 'Removed', id: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type UpdateNotificationRecipientsMutationVariables = Exact<{
  input: UpdateNotificationRecipientsInput;
}>;


export type UpdateNotificationRecipientsMutation = { updateNotificationRecipients:
    | { __typename: 'NotificationRecipients', addresses: Array<string> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type NotificationDeliveriesQueryVariables = Exact<{
  companyId?: string | null | undefined;
  status?: NotificationDeliveryStatus | null | undefined;
  first: number;
}>;


export type NotificationDeliveriesQuery = { notificationDeliveriesConnection: { edges: Array<{ node: { id: number, alertId: string, channel: NotificationChannel, recipient: string, subject: string, status: NotificationDeliveryStatus, attempts: number, lastError: string | null, nextAttemptAt: string, deliveredAt: string | null } }> } };

export type ProductsQueryVariables = Exact<{ [key: string]: never; }>;


export type ProductsQuery = { productsConnection: { edges: Array<{ node: { code: string, name: string, metricCode: string } }> } };

export type DefineMetricMutationVariables = Exact<{
  input: MetricInput;
}>;


export type DefineMetricMutation = { defineMetric:
    | { __typename: 'Metric', code: string, name: string, unit: string, resourceType: ResourceType, measurementType: MeasurementType, aggregation: Aggregation, interval: ReportingInterval | null, description: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type CreateProductMutationVariables = Exact<{
  input: CreateProductInput;
}>;


export type CreateProductMutation = { createProduct:
    | { __typename: 'Product', code: string, name: string, metricCode: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type ArchiveMetricMutationVariables = Exact<{
  input: ArchiveMetricInput;
}>;


export type ArchiveMetricMutation = { archiveMetric:
    | { __typename: 'Metric', code: string, archivedAt: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type ArchiveProductMutationVariables = Exact<{
  input: ArchiveProductInput;
}>;


export type ArchiveProductMutation = { archiveProduct:
    | { __typename: 'Product', code: string, archivedAt: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type CompaniesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  includeArchived?: boolean;
}>;


export type CompaniesQuery = { companies: { edges: Array<{ node: { id: string, externalKey: string, name: string, lateArrivalDays: number, createdAt: string, archivedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateCompanyMutationVariables = Exact<{
  input: CompanyInput;
}>;


export type CreateCompanyMutation = { createCompany:
    | { __typename: 'Company', id: string, name: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type ArchiveCompanyMutationVariables = Exact<{
  input: ArchiveCompanyInput;
}>;


export type ArchiveCompanyMutation = { archiveCompany:
    | { __typename: 'Company', id: string, archivedAt: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type CompanyPageQueryVariables = Exact<{
  id: string;
}>;


export type CompanyPageQuery = { company: { id: string, name: string, externalKey: string, lateArrivalDays: number, createdAt: string, archivedAt: string | null, billingDetails: { legalName: string | null, addressLines: Array<string>, city: string | null, postalCode: string | null, country: string | null, taxId: string | null, email: string | null } } | null, contractsConnection: { edges: Array<{ node: { id: string, currency: string, startDate: string, endDate: string | null, billingDay: number, paymentTermsDays: number, minimumCommitment: string | null, products: Array<{ productCode: string, metricCode: string, price: { model: PriceModel } }> } }> }, invoices: { edges: Array<{ node: { id: string, status: InvoiceStatus, periodStart: string, periodEnd: string, currency: string, total: string, dueDate: string, paymentStatus: PaymentStatus } }> }, thresholdsConnection: { edges: Array<{ node: { id: string, companyId: string | null, metricCode: string, period: ThresholdPeriod, limit: string | null, levels: Array<{ name: string, kind: LevelKind, value: string, channels: Array<NotificationChannel> }> } }> } };

export type CompanyGapsQueryVariables = Exact<{
  criteria: GapCriteria;
}>;


export type CompanyGapsQuery = { usageGaps:
    | { __typename: 'UsageGapList', gaps: Array<{ metricCode: string, interval: ReportingInterval, gapStart: string, gapEnd: string, missingIntervals: number }> }
    | { __typename: 'ValidationError', field: string, message: string }
   };

export type ContractsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type ContractsQuery = { contractsConnection: { edges: Array<{ node: { id: string, companyId: string, currency: string, startDate: string, endDate: string | null, billingDay: number, paymentTermsDays: number, lateFeePercentPerMonth: string, minimumCommitment: string | null, graceHours: number, externalId: string | null, versions: Array<{ number: number, effectiveFrom: string, paymentTermsDays: number }>, products: Array<{ productCode: string, metricCode: string, price: { model: PriceModel, unitPrice: string | null, packageSize: string | null, packagePrice: string | null, rounding: Rounding, freeUnits: string, tierBasis: TierBasis, tiers: Array<{ upTo: string | null, unitPrice: string | null, flatFee: string | null }> } }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } }, productsConnection: { edges: Array<{ node: { code: string, name: string, metricCode: string } }> } };

export type SimulateContractQueryVariables = Exact<{
  input: ContractInput;
  periodStart: string;
}>;


export type SimulateContractQuery = { simulateContract:
    | { __typename: 'Invoice', total: string, currency: string, periodStart: string, periodEnd: string, lines: Array<{ productCode: string | null, amount: string }> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type SimulateInvoiceQueryVariables = Exact<{
  contractId: string;
  periodStart: string;
  prices: Array<ContractProductInput> | ContractProductInput;
}>;


export type SimulateInvoiceQuery = { simulateInvoice:
    | { __typename: 'Invoice', total: string, currency: string, periodStart: string, periodEnd: string, lines: Array<{ productCode: string | null, amount: string }> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type BilledInvoicesQueryVariables = Exact<{
  filter: InvoiceFilter;
}>;


export type BilledInvoicesQuery = { invoices: { edges: Array<{ node: { id: string, contractId: string, periodStart: string, total: string, currency: string, status: InvoiceStatus } }> } };

export type CreateContractMutationVariables = Exact<{
  input: ContractInput;
}>;


export type CreateContractMutation = { createContract:
    | { __typename: 'Contract', id: string, companyId: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type CostProductsQueryVariables = Exact<{ [key: string]: never; }>;


export type CostProductsQuery = { productsConnection: { edges: Array<{ node: { code: string, name: string, metricCode: string } }> } };

export type RecordCostMutationVariables = Exact<{
  input: CostInput;
}>;


export type RecordCostMutation = { recordCost:
    | { __typename: 'CostRecord', id: string, productCode: string, granularity: AllocationGranularity, periodStart: string, periodEnd: string, amount: string, currency: string, replaced: boolean }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type CostAllocationQueryVariables = Exact<{
  granularity: AllocationGranularity;
  from: string;
  to: string;
  product?: string | null | undefined;
}>;


export type CostAllocationQuery = { allocateCost:
    | { __typename: 'CostAllocation', from: string, to: string, granularity: AllocationGranularity, totals: Array<{ currency: string, amount: string, unallocated: string }>, shares: Array<{ productCode: string, periodStart: string, periodEnd: string, companyId: string | null, companyKey: string | null, usage: string, totalUsage: string, sharePercent: string, amount: string, currency: string }>, customers: Array<{ companyId: string, companyKey: string, currency: string, amount: string }> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type ProfitabilityReportQueryVariables = Exact<{
  from: string;
  to: string;
  companyId?: string | null | undefined;
}>;


export type ProfitabilityReportQuery = { profitability:
    | { __typename: 'Profitability', rows: Array<{ companyId: string, companyKey: string, periodStart: string, periodEnd: string, currency: string, revenue: string, cost: string, profit: string, marginPercent: string | null, finalized: boolean }> }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type InvoiceDetailQueryVariables = Exact<{
  id: string;
}>;


export type InvoiceDetailQuery = { invoice: { id: string, companyId: string, contractId: string, status: InvoiceStatus, periodStart: string, periodEnd: string, currency: string, subtotal: string, minimumTrueUp: string, adjustments: string, total: string, issueDate: string, dueDate: string, paymentStatus: PaymentStatus, paidAmount: string, creditedAmount: string | null, amountDue: string | null, number: string | null, pdfUrl: string | null, lines: Array<{ kind: InvoiceLineKind, productCode: string | null, metricCode: string | null, quantity: string | null, freeUnitsUsed: string | null, billableQuantity: string | null, amount: string, adjustsPeriodStart: string | null, tiers: Array<{ tier: number, fromUnits: string, upTo: string | null, units: string, unitPrice: string, flatFee: string, amount: string }> }> } | null };

export type RecordPaymentMutationVariables = Exact<{
  input: RecordPaymentInput;
}>;


export type RecordPaymentMutation = { recordPayment:
    | { __typename: 'Invoice', id: string, paymentStatus: PaymentStatus, paidAmount: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type InvoicesQueryVariables = Exact<{
  filter?: InvoiceFilter | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type InvoicesQuery = { invoices: { edges: Array<{ node: { id: string, companyId: string, contractId: string, status: InvoiceStatus, periodStart: string, periodEnd: string, currency: string, total: string, dueDate: string, paymentStatus: PaymentStatus, paidAmount: string, number: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type JobsQueryVariables = Exact<{ [key: string]: never; }>;


export type JobsQuery = { jobs: Array<{ name: string, everySeconds: number, description: string }> };

export type JobRunsQueryVariables = Exact<{
  job?: string | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type JobRunsQuery = { jobRuns: { edges: Array<{ node: { id: number, job: string, trigger: JobTrigger, scheduledFor: string | null, startedAt: string, finishedAt: string | null, outcome: JobOutcome, rows: number | null, error: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type RunJobMutationVariables = Exact<{
  input: RunJobInput;
}>;


export type RunJobMutation = { runJob:
    | { __typename: 'JobRun', id: number, job: string, trigger: JobTrigger, startedAt: string, finishedAt: string | null, outcome: JobOutcome, rows: number | null, error: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type OverviewTotalsQueryVariables = Exact<{
  current: AggregationCriteria;
  previous: AggregationCriteria;
  byCompany: AggregationCriteria;
}>;


export type OverviewTotalsQuery = { current:
    | { __typename: 'AggregationResult', buckets: Array<{ metricCode: string, sum: string | null }> }
    | { __typename: 'ValidationError', message: string }
  , previous:
    | { __typename: 'AggregationResult', buckets: Array<{ metricCode: string, sum: string | null }> }
    | { __typename: 'ValidationError', message: string }
  , byCompany:
    | { __typename: 'AggregationResult', buckets: Array<{ metricCode: string, companyId: string | null, sum: string | null }> }
    | { __typename: 'ValidationError', message: string }
   };

export type OpenAlertsQueryVariables = Exact<{ [key: string]: never; }>;


export type OpenAlertsQuery = { alerts: { edges: Array<{ node: { id: string, companyId: string, metricCode: string, kind: AlertKind, level: string, usage: string, limit: string | null, raisedAt: string } }> }, invoices: { edges: Array<{ node: { id: string, companyId: string, periodStart: string, periodEnd: string, currency: string, total: string, paidAmount: string, dueDate: string, paymentStatus: PaymentStatus } }> } };

export type AlertRaisedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AlertRaisedSubscription = { alertRaised: { id: string, companyId: string, metricCode: string, kind: AlertKind, level: string, usage: string, limit: string | null, raisedAt: string } };

export type UsageRecordsQueryVariables = Exact<{
  filter?: UsageRecordFilter | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type UsageRecordsQuery = { usageRecords: { edges: Array<{ node: { id: string, companyId: string, metricCode: string, timestamp: string, value: string, unit: string, source: string | null, userId: string | null, spaceId: string | null, applicationId: string | null, billable: boolean, idempotencyKey: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type VoidUsageRecordMutationVariables = Exact<{
  input: VoidUsageRecordInput;
}>;


export type VoidUsageRecordMutation = { voidUsageRecord:
    | { __typename: 'UsageCorrection', voided: { id: string } }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type CorrectUsageRecordMutationVariables = Exact<{
  input: CorrectUsageRecordInput;
}>;


export type CorrectUsageRecordMutation = { correctUsageRecord:
    | { __typename: 'UsageCorrection', voided: { id: string }, replacement: { id: string, timestamp: string, value: string, unit: string } | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type ReportListQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type ReportListQuery = { reports: { edges: Array<{ node: { id: string, kind: ReportKind, format: ReportFormat, status: ReportStatus, companyId: string | null, criteria: unknown, createdAt: string, startedAt: string | null, finishedAt: string | null, sizeBytes: number | null, error: string | null, scheduleId: string | null, scheduledFor: string | null, downloadUrl: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ReportStatusQueryVariables = Exact<{
  id: string;
}>;


export type ReportStatusQuery = { report: { id: string, status: ReportStatus, startedAt: string | null, finishedAt: string | null, sizeBytes: number | null, error: string | null, downloadUrl: string | null } | null };

export type GenerateReportMutationVariables = Exact<{
  input: GenerateReportInput;
}>;


export type GenerateReportMutation = { generateReport:
    | { __typename: 'Report', id: string, status: ReportStatus }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type ReportSchedulesQueryVariables = Exact<{ [key: string]: never; }>;


export type ReportSchedulesQuery = { reportSchedulesConnection: { edges: Array<{ node: { id: string, name: string, companyId: string | null, cron: string, timeZone: string, criteria: unknown, format: ReportFormat, active: boolean, createdAt: string, nextRunAt: string | null, destination: { type: DestinationType, to: Array<string>, url: string | null, signed: boolean }, runs: Array<{ scheduledFor: string, reportId: string | null, status: ReportDeliveryStatus, attempts: number, error: string | null, deliveredAt: string | null }> } }> } };

export type CreateReportScheduleMutationVariables = Exact<{
  input: CreateReportScheduleInput;
}>;


export type CreateReportScheduleMutation = { createReportSchedule:
    | { __typename: 'ReportSchedule', id: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string, errors: Array<{ field: string, errorCode: ErrorCode, message: string }> }
   };

export type SetReportScheduleActiveMutationVariables = Exact<{
  input: SetReportScheduleActiveInput;
}>;


export type SetReportScheduleActiveMutation = { setReportScheduleActive:
    | { __typename: 'ReportSchedule', id: string, active: boolean, nextRunAt: string | null }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };

export type RemoveReportScheduleMutationVariables = Exact<{
  input: RemoveReportScheduleInput;
}>;


export type RemoveReportScheduleMutation = { removeReportSchedule:
    | { __typename: 'Removed', id: string }
    | { __typename: 'ValidationError', field: string, errorCode: ErrorCode, message: string }
   };


export const AggregateUsageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AggregateUsage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"criteria"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationCriteria"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"aggregateUsage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"criteria"},"value":{"kind":"Variable","name":{"kind":"Name","value":"criteria"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationResult"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"granularity"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"functions"}},{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"spaceId"}},{"kind":"Field","name":{"kind":"Name","value":"applicationId"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"billingCategory"}},{"kind":"Field","name":{"kind":"Name","value":"property"}},{"kind":"Field","name":{"kind":"Name","value":"sum"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"avg"}},{"kind":"Field","name":{"kind":"Name","value":"min"}},{"kind":"Field","name":{"kind":"Name","value":"max"}},{"kind":"Field","name":{"kind":"Name","value":"uniqueCount"}},{"kind":"Field","name":{"kind":"Name","value":"latest"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<AggregateUsageQuery, AggregateUsageQueryVariables>;
export const ViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalKey"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sessionExpiresAt"}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;
export const MetricsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"resourceType"}},{"kind":"Field","name":{"kind":"Name","value":"measurementType"}},{"kind":"Field","name":{"kind":"Name","value":"aggregation"}},{"kind":"Field","name":{"kind":"Name","value":"interval"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MetricsQuery, MetricsQueryVariables>;
export const CompanyNamesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CompanyNames"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companies"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"includeArchived"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalKey"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<CompanyNamesQuery, CompanyNamesQueryVariables>;
export const AlertListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AlertList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AlertFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"thresholdId"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"levelValue"}},{"kind":"Field","name":{"kind":"Name","value":"usage"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AlertListQuery, AlertListQueryVariables>;
export const AlertsPageAlertRaisedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AlertsPageAlertRaised"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alertRaised"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}}]}}]}}]} as unknown as DocumentNode<AlertsPageAlertRaisedSubscription, AlertsPageAlertRaisedSubscriptionVariables>;
export const MarkAlertAcknowledgedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MarkAlertAcknowledged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MarkAlertAcknowledgedInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"markAlertAcknowledged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Alert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<MarkAlertAcknowledgedMutation, MarkAlertAcknowledgedMutationVariables>;
export const ThresholdListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ThresholdList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"thresholdsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"levels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ThresholdListQuery, ThresholdListQueryVariables>;
export const CreateThresholdDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateThreshold"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ThresholdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createThreshold"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Threshold"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateThresholdMutation, CreateThresholdMutationVariables>;
export const ReplaceThresholdDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReplaceThreshold"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReplaceThresholdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replaceThreshold"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Threshold"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"levels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ReplaceThresholdMutation, ReplaceThresholdMutationVariables>;
export const RemoveThresholdDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemoveThreshold"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RemoveThresholdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeThreshold"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Removed"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RemoveThresholdMutation, RemoveThresholdMutationVariables>;
export const UpdateNotificationRecipientsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateNotificationRecipients"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateNotificationRecipientsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateNotificationRecipients"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationRecipients"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"addresses"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<UpdateNotificationRecipientsMutation, UpdateNotificationRecipientsMutationVariables>;
export const NotificationDeliveriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NotificationDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationDeliveryStatus"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationDeliveriesConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"alertId"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"recipient"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"nextAttemptAt"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<NotificationDeliveriesQuery, NotificationDeliveriesQueryVariables>;
export const ProductsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Products"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ProductsQuery, ProductsQueryVariables>;
export const DefineMetricDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DefineMetric"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MetricInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"defineMetric"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Metric"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"resourceType"}},{"kind":"Field","name":{"kind":"Name","value":"measurementType"}},{"kind":"Field","name":{"kind":"Name","value":"aggregation"}},{"kind":"Field","name":{"kind":"Name","value":"interval"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DefineMetricMutation, DefineMetricMutationVariables>;
export const CreateProductDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateProduct"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateProductInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createProduct"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Product"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateProductMutation, CreateProductMutationVariables>;
export const ArchiveMetricDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ArchiveMetric"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ArchiveMetricInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"archiveMetric"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Metric"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<ArchiveMetricMutation, ArchiveMetricMutationVariables>;
export const ArchiveProductDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ArchiveProduct"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ArchiveProductInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"archiveProduct"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Product"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<ArchiveProductMutation, ArchiveProductMutationVariables>;
export const CompaniesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Companies"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"includeArchived"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},"defaultValue":{"kind":"BooleanValue","value":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companies"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"includeArchived"},"value":{"kind":"Variable","name":{"kind":"Name","value":"includeArchived"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalKey"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"lateArrivalDays"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<CompaniesQuery, CompaniesQueryVariables>;
export const CreateCompanyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateCompany"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createCompany"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateCompanyMutation, CreateCompanyMutationVariables>;
export const ArchiveCompanyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ArchiveCompany"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ArchiveCompanyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"archiveCompany"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ArchiveCompanyMutation, ArchiveCompanyMutationVariables>;
export const CompanyPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CompanyPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"company"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalKey"}},{"kind":"Field","name":{"kind":"Name","value":"lateArrivalDays"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"billingDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"legalName"}},{"kind":"Field","name":{"kind":"Name","value":"addressLines"}},{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"postalCode"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"taxId"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"contractsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"endDate"}},{"kind":"Field","name":{"kind":"Name","value":"billingDay"}},{"kind":"Field","name":{"kind":"Name","value":"paymentTermsDays"}},{"kind":"Field","name":{"kind":"Name","value":"minimumCommitment"}},{"kind":"Field","name":{"kind":"Name","value":"products"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"12"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}},{"kind":"Field","name":{"kind":"Name","value":"paymentStatus"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"thresholdsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"levels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<CompanyPageQuery, CompanyPageQueryVariables>;
export const CompanyGapsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CompanyGaps"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"criteria"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GapCriteria"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usageGaps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"criteria"},"value":{"kind":"Variable","name":{"kind":"Name","value":"criteria"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UsageGapList"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gaps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"interval"}},{"kind":"Field","name":{"kind":"Name","value":"gapStart"}},{"kind":"Field","name":{"kind":"Name","value":"gapEnd"}},{"kind":"Field","name":{"kind":"Name","value":"missingIntervals"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<CompanyGapsQuery, CompanyGapsQueryVariables>;
export const ContractsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Contracts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contractsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"endDate"}},{"kind":"Field","name":{"kind":"Name","value":"billingDay"}},{"kind":"Field","name":{"kind":"Name","value":"paymentTermsDays"}},{"kind":"Field","name":{"kind":"Name","value":"lateFeePercentPerMonth"}},{"kind":"Field","name":{"kind":"Name","value":"minimumCommitment"}},{"kind":"Field","name":{"kind":"Name","value":"graceHours"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"versions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"effectiveFrom"}},{"kind":"Field","name":{"kind":"Name","value":"paymentTermsDays"}}]}},{"kind":"Field","name":{"kind":"Name","value":"products"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"price"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"}},{"kind":"Field","name":{"kind":"Name","value":"packageSize"}},{"kind":"Field","name":{"kind":"Name","value":"packagePrice"}},{"kind":"Field","name":{"kind":"Name","value":"rounding"}},{"kind":"Field","name":{"kind":"Name","value":"freeUnits"}},{"kind":"Field","name":{"kind":"Name","value":"tierBasis"}},{"kind":"Field","name":{"kind":"Name","value":"tiers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upTo"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"}},{"kind":"Field","name":{"kind":"Name","value":"flatFee"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"productsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ContractsQuery, ContractsQueryVariables>;
export const SimulateContractDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SimulateContract"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ContractInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"periodStart"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simulateContract"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}},{"kind":"Argument","name":{"kind":"Name","value":"periodStart"},"value":{"kind":"Variable","name":{"kind":"Name","value":"periodStart"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SimulateContractQuery, SimulateContractQueryVariables>;
export const SimulateInvoiceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SimulateInvoice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"contractId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"periodStart"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prices"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ContractProductInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simulateInvoice"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"contractId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"contractId"}}},{"kind":"Argument","name":{"kind":"Name","value":"periodStart"},"value":{"kind":"Variable","name":{"kind":"Name","value":"periodStart"}}},{"kind":"Argument","name":{"kind":"Name","value":"prices"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prices"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SimulateInvoiceQuery, SimulateInvoiceQueryVariables>;
export const BilledInvoicesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BilledInvoices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InvoiceFilter"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"contractId"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BilledInvoicesQuery, BilledInvoicesQueryVariables>;
export const CreateContractDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateContract"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ContractInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createContract"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Contract"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateContractMutation, CreateContractMutationVariables>;
export const CostProductsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CostProducts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productsConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CostProductsQuery, CostProductsQueryVariables>;
export const RecordCostDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RecordCost"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CostInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordCost"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CostRecord"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"granularity"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"replaced"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RecordCostMutation, RecordCostMutationVariables>;
export const CostAllocationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CostAllocation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"granularity"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AllocationGranularity"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"product"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"allocateCost"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"granularity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"granularity"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"product"},"value":{"kind":"Variable","name":{"kind":"Name","value":"product"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CostAllocation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"granularity"}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"unallocated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"shares"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"companyKey"}},{"kind":"Field","name":{"kind":"Name","value":"usage"}},{"kind":"Field","name":{"kind":"Name","value":"totalUsage"}},{"kind":"Field","name":{"kind":"Name","value":"sharePercent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"customers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"companyKey"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CostAllocationQuery, CostAllocationQueryVariables>;
export const ProfitabilityReportDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProfitabilityReport"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profitability"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"companyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"companyId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Profitability"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"companyKey"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"revenue"}},{"kind":"Field","name":{"kind":"Name","value":"cost"}},{"kind":"Field","name":{"kind":"Name","value":"profit"}},{"kind":"Field","name":{"kind":"Name","value":"marginPercent"}},{"kind":"Field","name":{"kind":"Name","value":"finalized"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ProfitabilityReportQuery, ProfitabilityReportQueryVariables>;
export const InvoiceDetailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"InvoiceDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invoice"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"contractId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"subtotal"}},{"kind":"Field","name":{"kind":"Name","value":"minimumTrueUp"}},{"kind":"Field","name":{"kind":"Name","value":"adjustments"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"issueDate"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}},{"kind":"Field","name":{"kind":"Name","value":"paymentStatus"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}},{"kind":"Field","name":{"kind":"Name","value":"creditedAmount"}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"pdfUrl"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"productCode"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"freeUnitsUsed"}},{"kind":"Field","name":{"kind":"Name","value":"billableQuantity"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"adjustsPeriodStart"}},{"kind":"Field","name":{"kind":"Name","value":"tiers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tier"}},{"kind":"Field","name":{"kind":"Name","value":"fromUnits"}},{"kind":"Field","name":{"kind":"Name","value":"upTo"}},{"kind":"Field","name":{"kind":"Name","value":"units"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"}},{"kind":"Field","name":{"kind":"Name","value":"flatFee"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<InvoiceDetailQuery, InvoiceDetailQueryVariables>;
export const RecordPaymentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RecordPayment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecordPaymentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordPayment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"paymentStatus"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RecordPaymentMutation, RecordPaymentMutationVariables>;
export const InvoicesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Invoices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"InvoiceFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"contractId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}},{"kind":"Field","name":{"kind":"Name","value":"paymentStatus"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}},{"kind":"Field","name":{"kind":"Name","value":"number"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<InvoicesQuery, InvoicesQueryVariables>;
export const JobsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Jobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"everySeconds"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}}]}}]} as unknown as DocumentNode<JobsQuery, JobsQueryVariables>;
export const JobRunsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JobRuns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"job"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobRuns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"job"},"value":{"kind":"Variable","name":{"kind":"Name","value":"job"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"job"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"scheduledFor"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"rows"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<JobRunsQuery, JobRunsQueryVariables>;
export const RunJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RunJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RunJobInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"JobRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"job"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"rows"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RunJobMutation, RunJobMutationVariables>;
export const OverviewTotalsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OverviewTotals"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"current"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationCriteria"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"previous"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationCriteria"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"byCompany"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationCriteria"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"current"},"name":{"kind":"Name","value":"aggregateUsage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"criteria"},"value":{"kind":"Variable","name":{"kind":"Name","value":"current"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationResult"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"sum"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"previous"},"name":{"kind":"Name","value":"aggregateUsage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"criteria"},"value":{"kind":"Variable","name":{"kind":"Name","value":"previous"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationResult"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"sum"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"byCompany"},"name":{"kind":"Name","value":"aggregateUsage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"criteria"},"value":{"kind":"Variable","name":{"kind":"Name","value":"byCompany"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AggregationResult"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"sum"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<OverviewTotalsQuery, OverviewTotalsQueryVariables>;
export const OpenAlertsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OpenAlerts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"acknowledged"},"value":{"kind":"BooleanValue","value":false}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"usage"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"status"},"value":{"kind":"StringValue","value":"FINALIZED","block":false}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}},{"kind":"Field","name":{"kind":"Name","value":"paymentStatus"}}]}}]}}]}}]}}]} as unknown as DocumentNode<OpenAlertsQuery, OpenAlertsQueryVariables>;
export const AlertRaisedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AlertRaised"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alertRaised"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"usage"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}}]}}]}}]} as unknown as DocumentNode<AlertRaisedSubscription, AlertRaisedSubscriptionVariables>;
export const UsageRecordsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UsageRecords"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UsageRecordFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usageRecords"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"metricCode"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"spaceId"}},{"kind":"Field","name":{"kind":"Name","value":"applicationId"}},{"kind":"Field","name":{"kind":"Name","value":"billable"}},{"kind":"Field","name":{"kind":"Name","value":"idempotencyKey"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<UsageRecordsQuery, UsageRecordsQueryVariables>;
export const VoidUsageRecordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VoidUsageRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VoidUsageRecordInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"voidUsageRecord"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UsageCorrection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"voided"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<VoidUsageRecordMutation, VoidUsageRecordMutationVariables>;
export const CorrectUsageRecordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CorrectUsageRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CorrectUsageRecordInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"correctUsageRecord"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UsageCorrection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"voided"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"replacement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CorrectUsageRecordMutation, CorrectUsageRecordMutationVariables>;
export const ReportListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ReportList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reports"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"format"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"criteria"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"scheduleId"}},{"kind":"Field","name":{"kind":"Name","value":"scheduledFor"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<ReportListQuery, ReportListQueryVariables>;
export const ReportStatusDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ReportStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UUID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"report"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]}}]} as unknown as DocumentNode<ReportStatusQuery, ReportStatusQueryVariables>;
export const GenerateReportDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GenerateReport"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateReportInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateReport"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Report"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<GenerateReportMutation, GenerateReportMutationVariables>;
export const ReportSchedulesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ReportSchedules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reportSchedulesConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"companyId"}},{"kind":"Field","name":{"kind":"Name","value":"cron"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"criteria"}},{"kind":"Field","name":{"kind":"Name","value":"format"}},{"kind":"Field","name":{"kind":"Name","value":"destination"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"signed"}}]}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"nextRunAt"}},{"kind":"Field","name":{"kind":"Name","value":"runs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"scheduledFor"}},{"kind":"Field","name":{"kind":"Name","value":"reportId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ReportSchedulesQuery, ReportSchedulesQueryVariables>;
export const CreateReportScheduleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateReportSchedule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateReportScheduleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createReportSchedule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ReportSchedule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateReportScheduleMutation, CreateReportScheduleMutationVariables>;
export const SetReportScheduleActiveDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetReportScheduleActive"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetReportScheduleActiveInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setReportScheduleActive"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ReportSchedule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"nextRunAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SetReportScheduleActiveMutation, SetReportScheduleActiveMutationVariables>;
export const RemoveReportScheduleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemoveReportSchedule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RemoveReportScheduleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeReportSchedule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Removed"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RemoveReportScheduleMutation, RemoveReportScheduleMutationVariables>;