package demo

// Word lists the generator draws names and text from. They are invented
// for Tend; any resemblance to a real company is a coincidence of common
// English words.

var firstNames = []string{
	"Aaliyah", "Aarav", "Abigail", "Adam", "Adebayo", "Aditi", "Ahmed", "Aiko", "Alejandro", "Alex",
	"Alice", "Amara", "Amelia", "Ana", "Andrea", "Andrew", "Anika", "Anna", "Antoine", "Arjun",
	"Astrid", "Ava", "Ben", "Bianca", "Brandon", "Bruno", "Camila", "Carlos", "Caroline", "Chen",
	"Chloe", "Chris", "Claire", "Daniel", "Daniela", "David", "Deepa", "Diego", "Dmitri", "Elena",
	"Eli", "Elif", "Emily", "Emma", "Erik", "Ethan", "Fatima", "Felix", "Fernanda", "Finn",
	"Gabriel", "Grace", "Hana", "Hannah", "Hassan", "Henrik", "Hiroshi", "Ian", "Ines", "Isabel",
	"Ivan", "Jack", "Jamal", "James", "Jasmine", "Javier", "Jenna", "Jessica", "Joao", "Jonas",
	"Jordan", "Jose", "Julia", "Kai", "Karan", "Katarzyna", "Kenji", "Kevin", "Kofi", "Laura",
	"Leah", "Leila", "Liam", "Lucas", "Lucia", "Luis", "Maya", "Marcus", "Maria", "Mateo",
	"Matthew", "Mei", "Mia", "Michael", "Miguel", "Mohammed", "Nadia", "Naomi", "Nathan", "Nia",
	"Nikhil", "Noah", "Nora", "Olivia", "Omar", "Oscar", "Pablo", "Priya", "Rafael", "Rahul",
	"Rachel", "Ravi", "Rebecca", "Riya", "Robert", "Rosa", "Ryan", "Sakura", "Samuel", "Sara",
	"Sebastian", "Sofia", "Sophie", "Stefan", "Sunita", "Tariq", "Thomas", "Tomas", "Valentina", "Victor",
	"Wei", "William", "Yara", "Yusuf", "Zara", "Zoe", "Greta", "Owen", "Ingrid", "Malik",
}

var lastNames = []string{
	"Abbott", "Adeyemi", "Alvarez", "Andersen", "Bailey", "Banerjee", "Barnes", "Becker", "Bennett", "Bianchi",
	"Brooks", "Campbell", "Carter", "Castillo", "Chandra", "Chen", "Clarke", "Coleman", "Costa", "Cruz",
	"Dalton", "Das", "Davies", "Delgado", "Dubois", "Duncan", "Edwards", "Eriksson", "Evans", "Farouk",
	"Fernandes", "Fischer", "Fleming", "Foster", "Garcia", "Gill", "Goldberg", "Gomez", "Grant", "Gupta",
	"Hale", "Hamilton", "Hansen", "Harper", "Hayes", "Herrera", "Hoffman", "Holland", "Hughes", "Ibrahim",
	"Ito", "Jansen", "Jensen", "Johansson", "Kapoor", "Keller", "Kennedy", "Kim", "Klein", "Kowalski",
	"Kumar", "Lambert", "Larsen", "Lee", "Lindqvist", "Lopez", "Lund", "Madsen", "Mahmoud", "Marsh",
	"Martin", "Mehta", "Mendes", "Meyer", "Moreau", "Morgan", "Murphy", "Nakamura", "Nguyen", "Novak",
	"Nowak", "Obi", "Okafor", "Oliveira", "Ortiz", "Osei", "Park", "Patel", "Perez", "Petrov",
	"Quinn", "Ramirez", "Rao", "Reed", "Reyes", "Richter", "Rivera", "Romano", "Rossi", "Russo",
	"Saito", "Santos", "Schmidt", "Schneider", "Shah", "Silva", "Singh", "Sato", "Sorensen", "Sullivan",
	"Suzuki", "Tanaka", "Taylor", "Thompson", "Torres", "Turner", "Varga", "Vasquez", "Vogel", "Wagner",
	"Walsh", "Wang", "Ward", "Weber", "Wright", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zimmerman",
	"Ahmadi", "Byrne", "Doyle", "Hartmann", "Iyer", "Moss", "Pham", "Soto", "Vance", "Whitaker",
}

// namePrefixes are the first word of a company name.
var namePrefixes = []string{
	"Acorn", "Alder", "Amberly", "Anchor", "Apex", "Arbor", "Aspen", "Atlas", "Aurora", "Beacon",
	"Birchwood", "Blue Ridge", "Bluefin", "Boulder", "Brightwater", "Cascade", "Cedar", "Coastal", "Cobalt", "Copperline",
	"Crescent", "Crestview", "Cypress", "Delta", "Driftwood", "Eastbay", "Elmstead", "Emberly", "Evergreen", "Fairview",
	"Falcon", "Fernway", "Flint", "Foxglove", "Frontier", "Galena", "Garnet", "Glacier", "Granite", "Greenleaf",
	"Harbor", "Hawthorne", "Heron", "Highland", "Horizon", "Hudson", "Ironwood", "Juniper", "Keystone", "Kestrel",
	"Lakeshore", "Lantern", "Larch", "Laurel", "Linden", "Lumen", "Magnolia", "Maple", "Meridian", "Mesa",
	"Midland", "Millbrook", "Monarch", "Northstar", "Oakridge", "Onyx", "Orchard", "Osprey", "Pacifica", "Paragon",
	"Peakline", "Pinnacle", "Pioneer", "Polaris", "Prairie", "Quarry", "Radiant", "Ravenwood", "Redwood", "Ridgeline",
	"Riverbend", "Rockport", "Sable", "Saffron", "Sagebrush", "Sequoia", "Shoreline", "Sierra", "Silverline", "Slate",
	"Sparrow", "Spruce", "Starling", "Sterling", "Stonebridge", "Summit", "Sunrise", "Tamarack", "Terra", "Thistle",
	"Timberline", "Topaz", "Trailhead", "Tundra", "Union", "Upland", "Vantage", "Vertex", "Vista", "Wavecrest",
	"Westbrook", "Whitepine", "Willow", "Windward", "Yarrow", "Zenith", "Halcyon", "Brightpath", "Clearwater", "Kingfisher",
	"Larkspur", "Marigold", "Nimbus", "Obsidian", "Pebble", "Quill", "Rosewood", "Solstice", "Tidewater", "Bramble",
	"Canyon", "Dovetail", "Elderberry", "Fjord", "Goldcrest", "Hollow Oak", "Indigo", "Jade", "Kelp", "Lodestar",
	"Mariner", "Nettle", "Oriel", "Palisade", "Quince", "Rampart", "Silverbirch", "Trillium", "Umber", "Verdant",
	"Wildflower", "Argent", "Bellwether", "Cormorant", "Dunmore", "Everly", "Fieldstone", "Greystone", "Hartwell", "Ashford",
}

// industries, with the words companies in each put after their name, and
// how common each industry is among the demo company's customers.
var industries = []struct {
	name     string
	weight   int
	suffixes []string
}{
	{"Software", 18, []string{"Labs", "Software", "Systems", "Technologies", "Cloud", "Data", "AI", "Digital"}},
	{"Financial Services", 11, []string{"Capital", "Financial", "Partners", "Insurance", "Credit Union", "Wealth", "Payments", "Bancorp"}},
	{"Healthcare", 10, []string{"Health", "Medical", "Clinics", "Care", "Diagnostics", "Therapeutics", "Health Partners"}},
	{"Manufacturing", 9, []string{"Manufacturing", "Industries", "Components", "Fabrication", "Precision", "Machine Works", "Materials"}},
	{"Retail", 8, []string{"Outfitters", "Goods", "Market", "Home", "Supply Co.", "Apparel", "Brands"}},
	{"Professional Services", 8, []string{"Consulting", "Advisors", "Group", "Associates", "Legal", "Accounting"}},
	{"Logistics", 6, []string{"Logistics", "Freight", "Transport", "Shipping", "Fulfillment", "Couriers"}},
	{"Education", 5, []string{"Academy", "Learning", "University", "Schools", "Education", "Institute"}},
	{"Media", 5, []string{"Media", "Studios", "Publishing", "Broadcasting", "Creative"}},
	{"Telecommunications", 3, []string{"Telecom", "Networks", "Communications", "Fiber"}},
	{"Energy", 3, []string{"Energy", "Power", "Solar", "Renewables", "Utilities"}},
	{"Hospitality", 3, []string{"Hotels", "Hospitality", "Resorts", "Restaurants", "Travel"}},
	{"Real Estate", 4, []string{"Properties", "Realty", "Property Management", "Homes", "Estates"}},
	{"Nonprofit", 2, []string{"Foundation", "Alliance", "Trust", "Society"}},
	{"Government", 2, []string{"County Services", "Municipal Authority", "Transit Authority", "Public Works"}},
}

// regions, with their weights and the countries companies there are
// headquartered in.
var regions = []struct {
	name      string
	weight    int
	countries []string
}{
	{"NA", 55, []string{"United States", "United States", "United States", "United States", "Canada"}},
	{"EMEA", 28, []string{"United Kingdom", "Germany", "France", "Netherlands", "Sweden", "Ireland", "Spain", "Denmark", "South Africa", "United Arab Emirates"}},
	{"APAC", 11, []string{"Australia", "Singapore", "Japan", "India", "New Zealand"}},
	{"LATAM", 6, []string{"Brazil", "Mexico", "Chile", "Colombia", "Argentina"}},
}

// subsidiaryNames name a child account after its parent, with its region.
var subsidiaryNames = []struct{ suffix, region, country string }{
	{"UK", "EMEA", "United Kingdom"}, {"Germany", "EMEA", "Germany"}, {"France", "EMEA", "France"},
	{"Nordics", "EMEA", "Sweden"}, {"Japan", "APAC", "Japan"}, {"Australia", "APAC", "Australia"},
	{"Canada", "NA", "Canada"}, {"Brasil", "LATAM", "Brazil"}, {"Mexico", "LATAM", "Mexico"},
	{"India", "APAC", "India"}, {"Benelux", "EMEA", "Netherlands"}, {"Singapore", "APAC", "Singapore"},
}

// Job titles by seniority, used for contacts.
var (
	titlesExec = []string{
		"Chief Operating Officer", "Chief Information Officer", "Chief Technology Officer", "Chief Financial Officer",
		"Chief Customer Officer", "Chief Revenue Officer", "Chief Executive Officer",
	}
	titlesVP = []string{
		"VP Operations", "VP Engineering", "VP Customer Experience", "VP Information Technology",
		"VP Finance", "VP Marketing Operations", "VP Business Systems", "VP Revenue Operations",
	}
	titlesDirector = []string{
		"Director of Operations", "Director of IT", "Director of Business Systems", "Director of Customer Support",
		"Head of Revenue Operations", "Director of Analytics", "Head of Digital Transformation", "Director of Engineering",
	}
	titlesManager = []string{
		"Operations Manager", "IT Manager", "Support Operations Manager", "Business Systems Manager",
		"Program Manager", "Analytics Manager", "Project Manager", "Team Lead, Operations",
	}
	titlesAdmin = []string{
		"Systems Administrator", "IT Administrator", "Business Systems Analyst", "Platform Administrator",
		"Solutions Engineer", "Operations Analyst",
	}
	titlesIC = []string{
		"Operations Specialist", "Data Analyst", "Support Specialist", "Marketing Coordinator",
		"Project Coordinator", "Account Specialist", "Analyst", "Engineer",
	}
)

// Support ticket subjects by product, and the ones that cluster when an
// account is in trouble.
var (
	ticketsPlatform = []string{
		"How do I bulk-invite users from a CSV?", "SSO login loop after IdP certificate rotation",
		"Workspace permissions: guests can see private projects", "CSV export times out for large workspaces",
		"Request: custom fields on the project template", "Mobile app crashes when opening attachments",
		"Email notifications arriving late", "Cannot remove a deactivated user from a team",
		"SCIM provisioning not updating group membership", "Audit log missing entries for API changes",
		"Question about data residency (EU hosting)", "Request for SOC 2 report", "Seat count looks wrong after deprovisioning",
		"Search does not find archived items", "API returns 429 during nightly sync",
	}
	ticketsInsights = []string{
		"Insights dashboard shows stale data", "Scheduled report emails are empty", "How to share a dashboard with read-only users?",
		"Chart totals do not match the CSV export", "Request: fiscal-year filter on reports", "Insights query timeout over 12 months of data",
	}
	ticketsAutomate = []string{
		"Automation runs failing with webhook 500s", "Workflow stuck in 'pending' since yesterday", "How to trigger a workflow from a form?",
		"Automate run quota used up mid-month", "Salesforce connector lost authentication", "Retry policy for failed steps",
	}
	ticketsBilling = []string{
		"Invoice shows wrong seat count", "Update billing contact and PO number", "Question about renewal pricing",
		"Please resend last invoice", "Tax ID missing on invoice",
	}
	ticketsTrouble = []string{
		"URGENT: workspace unavailable for EU users", "Data sync dropping records since last release",
		"Performance severely degraded during business hours", "Critical: automation double-posting to our ERP",
		"Third outage this month — need RCA", "Reports wrong after migration, leadership noticed",
		"Users locked out after SSO change", "Escalation: unresolved bug blocking rollout",
		"Billing dispute: charged for seats we removed",
	}
)

// Survey comments by NPS category.
var (
	commentsPromoter = []string{
		"The automations saved our ops team hours every week.", "Rolled out to three more teams this quarter — everyone is on board.",
		"Support is fast and actually knows the product.", "It has become the system of record for how we run projects.",
		"Our CSM is fantastic; the last business review was genuinely useful.", "Reporting finally gives leadership the numbers they ask for.",
		"Easy to adopt, and the new release made it even better.",
	}
	commentsPassive = []string{
		"Good product, but reporting is still limited.", "Works well for most of us; the admin console could be simpler.",
		"Solid, though pricing went up more than we expected.", "Fine for day-to-day; integrations need work.",
		commentHalfUsed, "Decent, but the mobile app lags behind the web.",
	}
	commentsDetractor = []string{
		"Too many outages lately; our teams are losing trust.", "Support takes days to respond and tickets get bounced around.",
		commentUnused, "The reporting numbers are wrong and nobody can tell us why.",
		commentAdminLeft, "Evaluating alternatives at renewal.",
		"Price is hard to justify to our CFO this year.", "The product has not kept up with what we need.",
	}
)

// Things CSMs talk to customers about, for the timeline.
var (
	objectives = []string{
		"cut month-end close from 8 days to 5", "roll out to the EMEA support team", "retire the legacy ticketing spreadsheet",
		"get 80% of licensed seats active weekly", "automate the new-hire onboarding workflow", "give the COO a weekly operations dashboard",
		"reduce project slippage by 20%", "consolidate three regional tools into one workspace", "connect the CRM and stop double entry",
		"train all team leads as power users", "move approvals out of email", "report SLA compliance to the board monthly",
	}
	checkinTopics = []string{
		"Reviewed adoption by team; marketing is lagging", "Walked through the new reporting release",
		"Discussed SSO rollout timeline", "Helped plan the rollout to the second business unit",
		"Answered questions on permissions model", "Shared best practices for workspace templates",
		"Reviewed open support tickets together", "Talked through their reorganisation and new team structure",
		"Planned training for new hires", "Reviewed seat utilisation ahead of renewal",
		"Demoed Automate for the finance approvals use case", "Collected feedback for the product team",
	}
	nextSteps = []string{
		"send training calendar", "set up admin office hours", "connect them with a reference customer",
		"follow up on the open bug with Support", "share the QBR deck draft", "schedule executive sponsor intro",
		"send Insights trial proposal", "confirm success plan objectives in writing",
	}
)
