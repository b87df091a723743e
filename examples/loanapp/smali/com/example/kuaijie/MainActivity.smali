.class public Lcom/example/kuaijie/MainActivity;
.super Landroid/app/Activity;
.source "MainActivity.java"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onResume()V
    .registers 3
    invoke-super {p0}, Landroid/app/Activity;->onResume()V
    const-string v0, "clipboard"
    invoke-virtual {p0, v0}, Lcom/example/kuaijie/MainActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/content/ClipboardManager;
    invoke-virtual {v0}, Landroid/content/ClipboardManager;->getPrimaryClip()Landroid/content/ClipData;
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    invoke-static {p0}, Lcom/igexin/sdk/PushManager;->initialize(Landroid/content/Context;)V
    invoke-static {p0}, Lcn/tongdun/android/shell/FMAgent;->init(Landroid/content/Context;)V
    new-instance v0, Lcom/example/kuaijie/RiskCollector;
    invoke-direct {v0, p0}, Lcom/example/kuaijie/RiskCollector;-><init>(Landroid/content/Context;)V
    invoke-virtual {v0}, Lcom/example/kuaijie/RiskCollector;->collectAndUpload()V
    return-void
.end method
