using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Kisei.Web.Pages;

/// <summary>
/// The page shown for an error status without a body of its own (404, 403, ...). Status pages
/// re-execute the request with its own method, so a refused POST lands here as a POST.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorStatusModel(IStringLocalizer<SharedResource> text) : PageModel
{
    public int Code { get; private set; }

    public string Message { get; private set; } = string.Empty;

    public void OnGet(int code)
    {
        Code = code;
        Message = code switch
        {
            StatusCodes.Status403Forbidden => text["このページを見る権限がありません。"],
            StatusCodes.Status404NotFound => text["ページが見つかりません。"],
            StatusCodes.Status401Unauthorized => text["サインインしてください。"],
            _ => text["リクエストを処理できませんでした。"],
        };
    }

    public void OnPost(int code) => OnGet(code);
}
