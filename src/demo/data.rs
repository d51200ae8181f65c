//! Who and what the demo company is made of.

/// (code, name)
pub const DEPARTMENTS: [(&str, &str); 5] = [
    ("OPS", "Operations"),
    ("IT", "IT Services"),
    ("FAC", "Facilities"),
    ("FIN", "Finance"),
    ("HR", "People & Culture"),
];

/// A person: first and last name, department, title, employment type, hourly cost rate in cents
/// when hired, head of the department, the demo account they sign in with (role, email), and the
/// desk they work on.
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub department: &'static str,
    pub title: &'static str,
    pub kind: &'static str,
    pub cents: i64,
    pub head: bool,
    pub account: Option<(&'static str, &'static str)>,
    pub desk: Option<&'static str>,
}

const fn person(
    first: &'static str,
    last: &'static str,
    department: &'static str,
    title: &'static str,
    kind: &'static str,
    cents: i64,
) -> Person {
    Person { first, last, department, title, kind, cents, head: false, account: None, desk: None }
}

const fn head(p: Person) -> Person {
    Person { head: true, ..p }
}

const fn account(p: Person, role: &'static str, email: &'static str) -> Person {
    Person { account: Some((role, email)), ..p }
}

/// A desk member: an agent account signing in with the work email.
const fn agent(p: Person, desk: &'static str) -> Person {
    Person { account: Some(("agent", "")), desk: Some(desk), ..p }
}

pub const PEOPLE: [Person; 25] = [
    account(
        head(person("Oscar", "Price", "OPS", "Chief Operating Officer", "full_time", 9500)),
        "ops",
        "ops@demo.opsdesk.local",
    ),
    head(person("Ivan", "Petrov", "IT", "Head of IT", "full_time", 8200)),
    head(person("Fatima", "Khan", "FAC", "Facilities Manager", "full_time", 6400)),
    account(
        head(person("Fiona", "Finch", "FIN", "Finance Director", "full_time", 8800)),
        "finance",
        "finance@demo.opsdesk.local",
    ),
    account(head(person("Harriet", "Holt", "HR", "Head of People", "full_time", 7600)), "hr", "hr@demo.opsdesk.local"),
    Person {
        account: Some(("agent", "agent@demo.opsdesk.local")),
        desk: Some("IT"),
        ..person("Ada", "Gent", "IT", "Service Desk Agent", "full_time", 4200)
    },
    account(
        person("Emil", "Ploy", "FAC", "Maintenance Technician", "full_time", 3900),
        "employee",
        "employee@demo.opsdesk.local",
    ),
    agent(person("Grace", "Lin", "IT", "Systems Engineer", "full_time", 6100), "IT"),
    agent(person("Tomas", "Novak", "IT", "Network Engineer", "full_time", 5900), "IT"),
    agent(person("Priya", "Raman", "IT", "Service Desk Agent", "part_time", 4000), "IT"),
    agent(person("Lucas", "Moreau", "IT", "Field Technician", "contractor", 5500), "IT"),
    person("Sofia", "Rossi", "OPS", "Operations Planner", "full_time", 5200),
    person("Ken", "Tanaka", "OPS", "Dispatcher", "full_time", 4300),
    agent(person("Amara", "Okafor", "OPS", "Production Supervisor", "full_time", 5600), "WO"),
    agent(person("Jonas", "Berg", "OPS", "Line Technician", "full_time", 4100), "WO"),
    agent(person("Leila", "Haddad", "OPS", "Line Technician", "part_time", 4100), "WO"),
    agent(person("Marco", "Silva", "FAC", "Electrician", "full_time", 4700), "FAC"),
    agent(person("Nina", "Kowalski", "FAC", "Cleaner", "part_time", 2900), "FAC"),
    agent(person("Omar", "Farouk", "FAC", "HVAC Technician", "contractor", 5800), "FAC"),
    account(
        person("Paula", "Schmidt", "FIN", "Accountant", "full_time", 5400),
        "finance",
        "controller@demo.opsdesk.local",
    ),
    person("Quentin", "Dubois", "FIN", "Accounts Payable Clerk", "full_time", 3800),
    person("Rosa", "Martinez", "FIN", "Credit Controller", "full_time", 4200),
    person("Sam", "Carter", "HR", "HR Generalist", "full_time", 4600),
    person("Tara", "Nguyen", "HR", "Recruiter", "part_time", 4300),
    person("Uma", "Patel", "OPS", "Quality Inspector", "full_time", 4500),
];

/// The auditor has no employee record.
pub const AUDITOR: (&str, &str) = ("auditor@demo.opsdesk.local", "Aurelia Dit");

/// (key, name, department, hourly billing rate, share of tickets from customers in %)
pub const DESKS: [(&str, &str, &str, &str, u64); 3] = [
    ("IT", "IT Service Desk", "IT", "95.00", 40),
    ("FAC", "Facilities", "FAC", "65.00", 0),
    ("WO", "Production Work Orders", "OPS", "85.00", 100),
];

/// (desk, subject, description, tag, part issued on some of them)
pub const SUBJECTS: [(&str, &str, &str, &str, Option<&str>); 15] = [
    ("IT", "VPN drops every hour", "Since the update the VPN disconnects about every hour.", "network", None),
    ("IT", "Laptop will not boot", "Black screen after the logo; tried a hard reset.", "hardware", Some("SSD-1TB")),
    ("IT", "New starter needs accounts", "Email, HR system and the shared drive for a new colleague.", "access", None),
    ("IT", "Printer on floor 2 jams", "Paper jams on every second page in tray 2.", "hardware", Some("TNR-HP26X")),
    ("IT", "Password reset for the ERP", "Locked out after the holidays.", "access", None),
    ("IT", "Workstation is slow", "Takes minutes to open a drawing; memory at 100 %.", "hardware", Some("RAM-16G")),
    ("IT", "Office network port dead", "No link on the port at desk 14.", "network", Some("CBL-CAT6-3M")),
    ("FAC", "Heating off in meeting room B", "The radiator stays cold all day.", "building", None),
    ("FAC", "Leaking tap in the kitchen", "Drips constantly, the sink stains.", "building", None),
    ("FAC", "Replace light in the car park", "Two lamps out near the exit.", "building", Some("LMP-LED-T8")),
    ("FAC", "Air handling unit noisy", "Loud rattle from the unit above reception.", "building", Some("FLT-HVAC-M")),
    ("WO", "Line 3 conveyor belt slips", "Belt slips under load; check tension and rollers.", "line", Some("BLT-M8")),
    ("WO", "Calibrate filler on line 1", "Fill weights drift by 2 g over a shift.", "line", None),
    ("WO", "Gearbox runs hot", "Temperature alarm on the packing line gearbox.", "line", Some("GRS-EP2")),
    ("WO", "Guard switch faulty", "The safety guard switch on press 2 trips at random.", "line", None),
];

/// (name, CRM reference, payment terms in days, hourly billing rate, days they pay late)
pub const CUSTOMERS: [(&str, &str, i32, Option<&str>, i64); 5] = [
    ("Northwind Traders", "demo-c1", 30, Some("120.00"), 5),
    ("Contoso Ltd", "demo-c2", 14, None, 25),
    ("Fabrikam Inc", "demo-c3", 30, Some("110.00"), 70),
    ("Tailspin Toys", "demo-c4", 45, None, 0),
    ("Wide World Importers", "demo-c5", 30, None, 120),
];

/// (name, CRM reference, department, budget category, monthly amount)
pub const VENDORS: [(&str, &str, &str, &str, &str); 4] = [
    ("Acme Office Supplies", "demo-v1", "OPS", "materials", "850.00"),
    ("CloudHost GmbH", "demo-v2", "IT", "software", "2400.00"),
    ("Sparkle Cleaning", "demo-v3", "FAC", "services", "1500.00"),
    ("Rail & Air Travel", "demo-v4", "FIN", "travel", "600.00"),
];

/// The vendor the stock room buys from.
pub const PARTS_VENDOR: (&str, &str) = ("Parts Direct", "demo-v5");

/// (description, unit price) of the services invoiced monthly.
pub const SERVICES: [(&str, &str); 4] = [
    ("Maintenance contract", "9500.00"),
    ("On-site support day", "960.00"),
    ("Spare parts", "45.50"),
    ("Training day", "800.00"),
];

/// An item of the stock room: reorder point and quantity, unit cost, and how many were bought.
pub struct Item {
    pub sku: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub category: &'static str,
    pub reorder_point: &'static str,
    pub reorder_quantity: &'static str,
    pub unit_cost: &'static str,
    pub bought: &'static str,
}

const fn item(
    sku: &'static str,
    name: &'static str,
    unit: &'static str,
    category: &'static str,
    [reorder_point, reorder_quantity, unit_cost, bought]: [&'static str; 4],
) -> Item {
    Item { sku, name, unit, category, reorder_point, reorder_quantity, unit_cost, bought }
}

pub const ITEMS: [Item; 8] = [
    item("CBL-CAT6-3M", "Network cable Cat6, 3 m", "pcs", "network", ["20", "50", "4.50", "120"]),
    item("SSD-1TB", "SSD 1 TB", "pcs", "hardware", ["5", "10", "89.90", "20"]),
    item("RAM-16G", "Memory 16 GB", "pcs", "hardware", ["4", "10", "52.90", "16"]),
    item("TNR-HP26X", "Toner HP 26X", "pcs", "printing", ["3", "6", "125.00", "6"]),
    item("FLT-HVAC-M", "HVAC filter M5", "pcs", "facilities", ["10", "24", "18.95", "60"]),
    item("LMP-LED-T8", "LED tube T8", "pcs", "facilities", ["12", "30", "6.25", "24"]),
    item("BLT-M8", "Bolt M8 × 40", "pcs", "line", ["200", "500", "0.12", "2000"]),
    item("GRS-EP2", "Grease EP2", "kg", "line", ["5", "10", "14.80", "30"]),
];

/// (department, [(category, annual plan)])
pub const PLANS: [(&str, &[(&str, &str)]); 5] = [
    ("OPS", &[("labour", "380000.00"), ("materials", "12000.00"), ("services", "5000.00"), ("travel", "3000.00")]),
    ("IT", &[("labour", "300000.00"), ("materials", "9000.00"), ("software", "24000.00")]),
    ("FAC", &[("labour", "220000.00"), ("materials", "4000.00"), ("services", "12000.00"), ("facilities", "8000.00")]),
    ("FIN", &[("labour", "180000.00"), ("travel", "6000.00"), ("software", "3000.00")]),
    ("HR", &[("labour", "120000.00"), ("other", "5000.00")]),
];

/// A small fixed pseudo-random sequence (64-bit LCG), so every demo database is the same but for
/// its dates, which follow the day it is made.
pub struct Sequence(pub u64);

impl Sequence {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
