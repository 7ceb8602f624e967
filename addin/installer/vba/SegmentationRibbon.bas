Attribute VB_Name = "SegmentationRibbon"
' Ribbon callbacks of the Segmentation add-in.
' One callback for every button: it passes the button's tag (fixed in the add-in's own
' ribbon XML, never read from a user's workbook) to Python, which picks the action.
Option Explicit

Sub OnButton(control As IRibbonControl)
    RunPython "import addin.ribbon_actions as actions; actions.run('" & control.Tag & "')"
End Sub
