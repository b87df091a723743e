.class public Lcom/igexin/sdk/PushManager;
.super Ljava/lang/Object;
.source "PushManager.java"

# Stand-in for the 个推 (Getui) push SDK: only its package name matters to the SDK signature table.

.method public static initialize(Landroid/content/Context;)V
    .registers 1
    return-void
.end method
