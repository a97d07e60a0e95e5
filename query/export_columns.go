package query

import "github.com/flexhub/flexhub/rollup"

// colKind is how a report column's values are typed in every format.
type colKind int

const (
	colText colKind = iota
	colInt
	colDate
	colBool
)

// exportColumn is one column of a custom report table: its stable key,
// its header and definition in English and Dutch (lang=en|nl).
type exportColumn struct {
	Key          string
	EN, NL       string
	DefEN, DefNL string
	Kind         colKind
	// Nullable columns are empty where the subscription's model has no such
	// license type.
	Nullable bool
}

func (c exportColumn) header(lang string) string {
	if lang == "nl" {
		return c.NL
	}
	return c.EN
}

func (c exportColumn) definition(lang string) string {
	if lang == "nl" {
		return c.DefNL
	}
	return c.DefEN
}

// The report's tables: the period summary and the daily detail.
type exportTable struct {
	Key     string
	EN, NL  string // sheet names
	Columns []exportColumn
}

func (t exportTable) name(lang string) string {
	if lang == "nl" {
		return t.NL
	}
	return t.EN
}

var (
	colCustomerName = exportColumn{Key: "customer_name", EN: "Customer name", NL: "Klantnaam",
		DefEN: "The customer's name in the commerce system.", DefNL: "De naam van de klant in het bestelsysteem."}
	colCustomerID = exportColumn{Key: "customer_id", EN: "Customer ID", NL: "Klant-ID",
		DefEN: "The customer's identifier.", DefNL: "De id van de klant."}
	colSubscriptionID = exportColumn{Key: "subscription_id", EN: "Subscription ID", NL: "Abonnements-ID",
		DefEN: "The subscription id (the order's transaction id); empty for consumption without a Flex subscription in force.",
		DefNL: "De abonnements-ID (de transactie-ID van de bestelling); leeg voor verbruik zonder Flex-abonnement."}
	colModel = exportColumn{Key: "flex_model", EN: "Flex license model", NL: "Flex-licentiemodel",
		DefEN: "Flex 2.0, Flex 3.0 Named User or Flex 3.0 Enterprise Agreement; consumption without a subscription is classified as Flex 2.0.",
		DefNL: "Flex 2.0, Flex 3.0 Benoemde gebruiker of Flex 3.0 Enterprise Agreement; verbruik zonder abonnement wordt als Flex 2.0 ingedeeld."}
	colStatus = exportColumn{Key: "compliance", EN: "Compliance status", NL: "Nalevingsstatus",
		DefEN: "Overage (more consumed than purchased for a license type), below minimum (an Enterprise Agreement with fewer than 1000 KW purchased), no subscription, or compliant.",
		DefNL: "Overschot (meer verbruikt dan aangeschaft voor een licentietype), onder minimum (een Enterprise Agreement met minder dan 1000 KW aangeschaft), geen abonnement, of conform."}
)

// summaryTable is one row per customer, subscription and license type
// over the period.
var summaryTable = exportTable{Key: "summary", EN: "Summary", NL: "Overzicht", Columns: []exportColumn{
	colCustomerName, colCustomerID, colSubscriptionID, colModel,
	{Key: "license_type", EN: "License type", NL: "Licentietype",
		DefEN: "KW Knowledge Worker, CA Common Area, PRO Professional, ENH Enhanced, ACC Access, TP TelePresence.",
		DefNL: "KW Kenniswerker, CA Gemeenschappelijke ruimte, PRO Professional, ENH Enhanced, ACC Toegang, TP TelePresence."},
	{Key: "purchased", EN: "Purchased", NL: "Aangeschaft", Kind: colInt,
		DefEN: "Licenses purchased, in force on the last day of the period with figures.",
		DefNL: "Aangeschafte licenties, van kracht op de laatste dag van de periode met gegevens."},
	{Key: "consumed_peak", EN: "Peak consumption", NL: "Piekverbruik", Kind: colInt,
		DefEN: "The highest daily consumption in the period.", DefNL: "Het hoogste dagelijkse verbruik in de periode."},
	{Key: "peak_date", EN: "Peak date", NL: "Piekdatum", Kind: colDate,
		DefEN: "The first day the peak was reached.", DefNL: "De eerste dag waarop de piek werd bereikt."},
	{Key: "consumed_latest", EN: "Latest consumption", NL: "Laatste verbruik", Kind: colInt,
		DefEN: "Consumption on the last day of the period with figures.", DefNL: "Verbruik op de laatste dag van de periode met gegevens."},
	{Key: "overage", EN: "Overage", NL: "Overschot", Kind: colInt,
		DefEN: "The worst day's overage: max(0, consumed − purchased in force that day).",
		DefNL: "Het overschot van de slechtste dag: max(0, verbruikt − aangeschaft op die dag)."},
	{Key: "overage_days", EN: "Days in overage", NL: "Dagen met overschot", Kind: colInt,
		DefEN: "Days of the period with an overage.", DefNL: "Dagen in de periode met een overschot."},
	colStatus,
	{Key: "ea_below_minimum", EN: "EA below minimum", NL: "EA onder minimum", Kind: colBool,
		DefEN: "An Enterprise Agreement with fewer than 1000 KW purchased on the last day.",
		DefNL: "Een Enterprise Agreement met minder dan 1000 KW aangeschaft op de laatste dag."},
}}

// dailyLicenseTypes are the daily table's license type columns, in order.
var dailyLicenseTypes = []string{"KW", "CA", "PRO", "ENH", "ACC", "TP"}

var licenseTypeNL = map[string]string{
	"KW": "Kenniswerker", "CA": "Gemeenschappelijke ruimte", "TP": "TelePresence",
	"PRO": "Professional", "ENH": "Enhanced", "ACC": "Toegang",
}

// dailyTable is one row per day, customer and subscription.
var dailyTable = func() exportTable {
	t := exportTable{Key: "daily", EN: "Daily detail", NL: "Dagelijks detail", Columns: []exportColumn{
		{Key: "date", EN: "Date", NL: "Datum", Kind: colDate, DefEN: "The day (UTC).", DefNL: "De dag (UTC)."},
		colCustomerName, colCustomerID, colSubscriptionID, colModel, colStatus,
	}}
	for _, lt := range dailyLicenseTypes {
		en, nl := rollup.FlexLicenseTypeNames[lt], licenseTypeNL[lt]
		t.Columns = append(t.Columns,
			exportColumn{Key: lt + "_purchased", EN: lt + " purchased", NL: lt + " aangeschaft", Kind: colInt, Nullable: true,
				DefEN: en + " licenses purchased, in force that day; empty where the model has no " + lt + ".",
				DefNL: nl + "-licenties aangeschaft, van kracht op die dag; leeg waar het model geen " + lt + " kent."},
			exportColumn{Key: lt + "_consumed", EN: lt + " consumed", NL: lt + " verbruikt", Kind: colInt, Nullable: true,
				DefEN: en + " licenses consumed that day (the day's latest snapshot of every cluster).",
				DefNL: nl + "-licenties verbruikt op die dag (de laatste momentopname van elk cluster)."},
			exportColumn{Key: lt + "_overage", EN: lt + " overage", NL: lt + " overschot", Kind: colInt, Nullable: true,
				DefEN: "max(0, " + lt + " consumed − " + lt + " purchased).",
				DefNL: "max(0, " + lt + " verbruikt − " + lt + " aangeschaft)."})
	}
	return t
}()

// Display values of the xlsx (CSV and Parquet keep the codes).
var modelNL = map[string]string{
	"flex2": "Flex 2.0", "flex3_nu": "Flex 3.0 Benoemde gebruiker", "flex3_ea": "Flex 3.0 Enterprise Agreement",
}

var statusLabels = map[string][2]string{
	"compliant":       {"Compliant", "Conform"},
	"overage":         {"Overage", "Overschot"},
	"below_minimum":   {"Below minimum", "Onder minimum"},
	"no_subscription": {"No subscription", "Geen abonnement"},
}

func displayModel(code, lang string) string {
	if lang == "nl" {
		if v, ok := modelNL[code]; ok {
			return v
		}
	}
	return modelName(code)
}

func displayStatus(code, lang string) string {
	if l, ok := statusLabels[code]; ok {
		if lang == "nl" {
			return l[1]
		}
		return l[0]
	}
	return code
}
